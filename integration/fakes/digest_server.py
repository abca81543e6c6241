"""A SIP Server that demands HTTP digest authentication (RFC 3261 §22, RFC 2617),
as an `on_request` hook for FakeSipServer:

    auth = DigestAuthPolicy({"101": "secret"})
    fake = fake_server(on_request=auth)

Every request but OPTIONS, ACK and CANCEL without an Authorization header gets
401 with a WWW-Authenticate challenge; one with credentials that do not verify
gets 403. Verified requests go on to `inner` (an on_request hook, e.g. a
RegistrarPolicy for REGISTER) or to the fake's own policy. `accepted` and
`refused` record who got past the challenge and who did not.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading

from . import sipmsg
from .net import Received

REALM = "it.example"
EXEMPT = {"OPTIONS", "ACK", "CANCEL"}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def auth_params(value: str) -> dict[str, str]:
    """The name=value pairs of a `Digest ...` credentials value."""
    body = re.sub(r"^\s*Digest\s+", "", value, flags=re.I)
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in re.finditer(r'([\w-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))', body)}


def digest_response(user: str, password: str, method: str, uri: str, p: dict[str, str]) -> str:
    ha1 = _md5(f"{user}:{p.get('realm', REALM)}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    if p.get("qop"):
        return _md5(f"{ha1}:{p['nonce']}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p['qop']}:{ha2}")
    return _md5(f"{ha1}:{p['nonce']}:{ha2}")


def authorization(user: str, password: str, method: str, uri: str, challenge: str) -> str:
    """The Authorization value answering a WWW-Authenticate challenge (no qop)."""
    p = auth_params(challenge)
    resp = digest_response(user, password, method, uri, p)
    return (f'Digest username="{user}", realm="{p["realm"]}", nonce="{p["nonce"]}", '
            f'uri="{uri}", response="{resp}", algorithm=MD5')


class DigestAuthPolicy:
    def __init__(self, users: dict[str, str], inner=None):
        self.users = users
        self.inner = inner
        self.nonces: set[str] = set()
        self.lock = threading.Lock()
        self.accepted: list[Received] = []
        self.refused: list[tuple[int, Received]] = []

    def _verify(self, msg: sipmsg.SipMessage, value: str) -> bool:
        p = auth_params(value)
        user = p.get("username", "")
        with self.lock:
            known_nonce = p.get("nonce") in self.nonces
        if user not in self.users or not known_nonce or "response" not in p:
            return False
        want = digest_response(user, self.users[user], msg.method or "", p.get("uri", ""), p)
        return secrets.compare_digest(want, p["response"].lower())

    def __call__(self, server, rx: Received) -> bool:
        msg = rx.msg
        if msg is None or msg.method in EXEMPT:
            return False
        creds = msg.get("Authorization") or msg.get("Proxy-Authorization")
        if creds is not None and self._verify(msg, creds):
            with self.lock:
                self.accepted.append(rx)
            return self.inner(server, rx) if self.inner is not None else False
        if creds is None:
            nonce = secrets.token_hex(8)
            with self.lock:
                self.nonces.add(nonce)
            code, extra = 401, [("WWW-Authenticate",
                                 f'Digest realm="{REALM}", nonce="{nonce}", algorithm=MD5')]
        else:
            code, extra = 403, None
        with self.lock:
            self.refused.append((code, rx))
        server._respond(rx, code, to_tag=sipmsg.new_tag(), extra=extra)  # noqa: SLF001
        return True
