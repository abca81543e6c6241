"""Minimal SIP message parsing and building for the integration tests.

Standard library only.  This is deliberately small and forgiving: it is used to
*inspect* what crossed the wire (so it must not reject odd-but-legal input the
proxy produces) and to *build* the requests and responses the fakes send.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field

# RFC 3261 §7.3.3 compact forms and a few other common ones.
COMPACT = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
    "r": "Refer-To",
    "b": "Referred-By",
    "o": "Event",
    "u": "Allow-Events",
    "x": "Session-Expires",
}

_KNOWN = [
    "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "Route",
    "Record-Route", "Content-Length", "Content-Type", "Proxy-Require", "Require",
    "Unsupported", "Supported", "Allow", "Accept", "Subject", "Event", "Expires",
    "User-Agent", "Server", "Warning", "Reason", "Refer-To", "Referred-By",
    "Allow-Events", "Session-Expires", "Content-Encoding", "Proxy-Authorization",
    "Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Retry-After",
]
_CANON = {h.lower(): h for h in _KNOWN}

# Headers whose values may legally be comma-joined on one line.
MULTI_VALUED = {"via", "route", "record-route", "contact", "allow", "supported",
                "unsupported", "require", "proxy-require"}


def canon(name: str) -> str:
    """Canonical spelling of a header name (compact forms expanded)."""
    n = name.strip()
    low = n.lower()
    if low in COMPACT:
        return COMPACT[low]
    return _CANON.get(low, n)


class SipParseError(ValueError):
    pass


def split_commas(value: str) -> list[str]:
    """Split a header value on commas that are not inside <...> or quotes."""
    out, cur, depth, quoted = [], [], 0, False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0 and not quoted:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def uri_of(name_addr: str) -> str:
    """The URI inside a name-addr (`"x" <sip:..>;p`) or an addr-spec (`sip:..;p`)."""
    m = re.search(r"<([^>]*)>", name_addr)
    if m:
        return m.group(1).strip()
    return name_addr.split(";", 1)[0].strip()


def header_params(value: str) -> dict[str, str | None]:
    """Parameters after the URI / sent-by of a header value (outside <...>)."""
    rest = value
    if ">" in value:
        rest = value[value.rindex(">") + 1:]
    else:
        # Via: "SIP/2.0/UDP host:port;branch=..."; addr-spec: "sip:x;tag=.."
        rest = value[value.index(";"):] if ";" in value else ""
    return _params(rest)


def uri_params(uri: str) -> dict[str, str | None]:
    """URI parameters (`;lr;transport=tcp`), excluding any `?headers`."""
    u = uri.split("?", 1)[0]
    return _params(u[u.index(";"):] if ";" in u else "")


def _params(s: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for part in s.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().lower()] = v.strip()
        else:
            out[part.lower()] = None
    return out


def uri_hostport(uri: str) -> tuple[str, int | None]:
    """(host, port) of a sip/sips URI; port None when absent."""
    u = uri.split("?", 1)[0].split(";", 1)[0]
    if ":" in u and u.split(":", 1)[0].lower() in ("sip", "sips"):
        u = u.split(":", 1)[1]
    if "@" in u:
        u = u.rsplit("@", 1)[1]
    if u.startswith("["):
        host, _, rest = u[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
        return host, port
    if ":" in u:
        host, port = u.rsplit(":", 1)
        return host, int(port) if port.isdigit() else None
    return u, None


def uri_user(uri: str) -> str | None:
    u = uri.split("?", 1)[0].split(";", 1)[0]
    if ":" in u:
        u = u.split(":", 1)[1]
    if "@" in u:
        return u.rsplit("@", 1)[0]
    return None


@dataclass
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str | None]
    raw: str

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")


def parse_via(value: str) -> Via:
    m = re.match(r"\s*SIP\s*/\s*2\.0\s*/\s*([A-Za-z]+)\s+([^;\s]+)\s*(.*)$", value, re.S)
    if not m:
        raise SipParseError(f"bad Via: {value!r}")
    transport, sent_by, rest = m.group(1).upper(), m.group(2), m.group(3)
    host, port = uri_hostport(sent_by)
    return Via(transport, host, port, _params(rest), value.strip())


@dataclass
class SipMessage:
    raw: bytes
    start_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # Request fields
    method: str | None = None
    ruri: str | None = None
    # Response fields
    status: int | None = None
    reason: str | None = None

    @property
    def is_request(self) -> bool:
        return self.method is not None

    @property
    def is_response(self) -> bool:
        return self.status is not None

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def get(self, name: str) -> str | None:
        """First value of a header (the whole line value, not comma-split)."""
        c = canon(name).lower()
        for n, v in self.headers:
            if n.lower() == c:
                return v
        return None

    def lines(self, name: str) -> list[str]:
        """All header lines of this name, in order, not comma-split."""
        c = canon(name).lower()
        return [v for n, v in self.headers if n.lower() == c]

    def values(self, name: str) -> list[str]:
        """All values of a header, comma-split for multi-valued headers."""
        c = canon(name).lower()
        out: list[str] = []
        for v in self.lines(name):
            if c in MULTI_VALUED:
                out.extend(split_commas(v))
            else:
                out.append(v.strip())
        return out

    def has(self, name: str) -> bool:
        return bool(self.lines(name))

    # Convenience accessors -------------------------------------------------
    def vias(self) -> list[Via]:
        return [parse_via(v) for v in self.values("Via")]

    @property
    def top_via(self) -> Via | None:
        v = self.vias()
        return v[0] if v else None

    @property
    def branch(self) -> str | None:
        tv = self.top_via
        return tv.branch if tv else None

    def routes(self) -> list[str]:
        return self.values("Route")

    def record_routes(self) -> list[str]:
        return self.values("Record-Route")

    @property
    def call_id(self) -> str | None:
        v = self.get("Call-ID")
        return v.strip() if v else None

    @property
    def cseq(self) -> tuple[int | None, str | None]:
        v = self.get("CSeq")
        if not v:
            return None, None
        parts = v.split()
        try:
            num = int(parts[0])
        except (ValueError, IndexError):
            num = None
        meth = parts[1].upper() if len(parts) > 1 else None
        return num, meth

    @property
    def cseq_method(self) -> str | None:
        return self.cseq[1]

    @property
    def max_forwards(self) -> int | None:
        v = self.get("Max-Forwards")
        return int(v.strip()) if v and v.strip().isdigit() else None

    def tag(self, name: str) -> str | None:
        v = self.get(name)
        return header_params(v).get("tag") if v else None

    @property
    def from_tag(self) -> str | None:
        return self.tag("From")

    @property
    def to_tag(self) -> str | None:
        return self.tag("To")

    def summary(self) -> str:
        return self.start_line

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return self.text


def parse(data: bytes | str) -> SipMessage:
    """Parse one complete SIP message (headers + body).  Raises SipParseError."""
    if isinstance(data, str):
        data = data.encode()
    sep = data.find(b"\r\n\r\n")
    if sep >= 0:
        head, body = data[:sep], data[sep + 4:]
    else:
        sep = data.find(b"\n\n")
        if sep >= 0:
            head, body = data[:sep], data[sep + 2:]
        else:
            head, body = data, b""
    text = head.decode("utf-8", "replace")
    raw_lines = re.split(r"\r?\n", text)
    # Drop leading empty lines (keep-alive CRLFs).
    while raw_lines and not raw_lines[0].strip():
        raw_lines.pop(0)
    if not raw_lines:
        raise SipParseError("empty message")
    start = raw_lines[0].strip()
    # Unfold continuation lines.
    lines: list[str] = []
    for ln in raw_lines[1:]:
        if ln[:1] in (" ", "\t") and lines:
            lines[-1] += " " + ln.strip()
        else:
            lines.append(ln)
    headers = []
    for ln in lines:
        if not ln.strip():
            continue
        if ":" not in ln:
            raise SipParseError(f"header line without colon: {ln!r}")
        n, v = ln.split(":", 1)
        headers.append((canon(n), v.strip()))
    msg = SipMessage(raw=bytes(data), start_line=start, headers=headers, body=body)
    if start.upper().startswith("SIP/"):
        m = re.match(r"SIP/2\.0\s+(\d{3})\s*(.*)$", start, re.I)
        if not m:
            raise SipParseError(f"bad status line: {start!r}")
        msg.status = int(m.group(1))
        msg.reason = m.group(2)
    else:
        m = re.match(r"([A-Za-z0-9!%*_+`'~.-]+)\s+(\S+)\s+SIP/2\.0$", start, re.I)
        if not m:
            raise SipParseError(f"bad request line: {start!r}")
        msg.method = m.group(1).upper()
        msg.ruri = m.group(2)
    return msg


def split_stream(buf: bytes) -> tuple[list[bytes], bytes]:
    """Frame complete messages out of a TCP byte stream by Content-Length.

    Returns (complete message byte strings, remaining bytes).  Leading CRLF
    keep-alives are skipped.  A message without Content-Length is taken to have
    an empty body (RFC 3261 §18.3 requires it on streams)."""
    out = []
    while True:
        stripped = buf.lstrip(b"\r\n")
        buf = stripped
        sep = buf.find(b"\r\n\r\n")
        if sep < 0:
            return out, buf
        head = buf[:sep].decode("utf-8", "replace")
        clen = 0
        for ln in head.split("\r\n")[1:]:
            if ":" in ln:
                n, v = ln.split(":", 1)
                if canon(n) == "Content-Length":
                    v = v.strip()
                    clen = int(v) if v.isdigit() else 0
        end = sep + 4 + clen
        if len(buf) < end:
            return out, buf
        out.append(buf[:end])
        buf = buf[end:]


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------

_counter = itertools.count(1)


def new_branch() -> str:
    return "z9hG4bK" + os.urandom(6).hex() + str(next(_counter))


def new_tag() -> str:
    return os.urandom(4).hex()


def new_call_id(prefix: str = "it") -> str:
    return f"{prefix}-{os.urandom(8).hex()}@127.0.0.1"


SDP = (
    "v=0\r\n"
    "o=fake 1 1 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
)


def build(start_line: str, headers: list[tuple[str, str]], body: bytes | str = b"",
          content_length: bool = True) -> bytes:
    """Serialise a message.  Content-Length is appended unless present already
    (or content_length=False)."""
    if isinstance(body, str):
        body = body.encode()
    lines = [start_line]
    have_cl = any(canon(n) == "Content-Length" for n, _ in headers)
    for n, v in headers:
        lines.append(f"{n}: {v}")
    if content_length and not have_cl:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def request(method: str, ruri: str, *, via: str, call_id: str | None = None,
            from_: str | None = None, to: str | None = None, cseq: int = 1,
            max_forwards: int | None = 70, contact: str | None = None,
            extra: list[tuple[str, str]] | None = None, body: bytes | str = b"",
            content_type: str | None = None) -> bytes:
    """Build a request.  `via` is the full Via value (e.g. from `via_value`)."""
    headers = [("Via", via)]
    if max_forwards is not None:
        headers.append(("Max-Forwards", str(max_forwards)))
    headers.append(("From", from_ or f"<sip:alice@127.0.0.1>;tag={new_tag()}"))
    headers.append(("To", to if to is not None else f"<{ruri}>"))
    headers.append(("Call-ID", call_id or new_call_id()))
    headers.append(("CSeq", f"{cseq} {method}"))
    if contact:
        headers.append(("Contact", contact))
    if body and content_type:
        headers.append(("Content-Type", content_type))
    headers.extend(extra or [])
    return build(f"{method} {ruri} SIP/2.0", headers, body)


def via_value(transport: str, host: str, port: int, branch: str | None = None) -> str:
    return f"SIP/2.0/{transport.upper()} {host}:{port};branch={branch or new_branch()}"


REASONS = {
    100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    408: "Request Timeout",
    416: "Unsupported URI Scheme", 420: "Bad Extension", 481: "Call/Transaction Does Not Exist",
    482: "Loop Detected", 483: "Too Many Hops", 486: "Busy Here", 487: "Request Terminated",
    500: "Server Internal Error", 503: "Service Unavailable", 603: "Decline",
}


def response(req: SipMessage, code: int, reason: str | None = None, *,
             to_tag: str | None = None, extra: list[tuple[str, str]] | None = None,
             body: bytes | str = b"", content_type: str | None = None,
             copy_record_route: bool = False) -> bytes:
    """Build a response to `req` (RFC 3261 §8.2.6): copies Via (all, in order),
    From, To (adding to_tag if To has none), Call-ID, CSeq."""
    headers: list[tuple[str, str]] = []
    for v in req.lines("Via"):
        headers.append(("Via", v))
    if req.get("From") is not None:
        headers.append(("From", req.get("From")))
    to = req.get("To")
    if to is not None:
        if to_tag and not req.to_tag:
            to = f"{to};tag={to_tag}"
        headers.append(("To", to))
    if req.get("Call-ID") is not None:
        headers.append(("Call-ID", req.get("Call-ID")))
    if req.get("CSeq") is not None:
        headers.append(("CSeq", req.get("CSeq")))
    if copy_record_route:
        for v in req.lines("Record-Route"):
            headers.append(("Record-Route", v))
    headers.extend(extra or [])
    if body and content_type:
        headers.append(("Content-Type", content_type))
    return build(f"SIP/2.0 {code} {reason or REASONS.get(code, 'Unknown')}", headers, body)
