"""Helpers for the management-interface tests (test_mgmt.py, test_http.py):
running sipproxyctl, plain HTTP requests to the http-port, a Prometheus text
parser, raw-client dialogs through the proxy, and a local non-loopback
address for the mgmt-token tests.

Everything talks to 127.0.0.1 (or to an address of this host) and every wait
is bounded.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import helpers
from fakes import sipmsg
from fakes.sip_client import SipClient

CTL_WAIT = 15.0   # outer bound on one sipproxyctl run (its own --timeout is 5 s)


def ctl_binary() -> Path:
    return helpers.tool_binary("sipproxyctl")


@dataclass
class CtlResult:
    args: list[str]
    rc: int
    out: str
    err: str
    elapsed: float

    def json(self) -> dict:
        try:
            return json.loads(self.out)
        except ValueError as exc:
            raise AssertionError(f"sipproxyctl --json printed no JSON ({exc}):\n{self}") from None

    def __str__(self) -> str:
        return (f"$ {' '.join(self.args)}\nexit {self.rc} after {self.elapsed:.2f}s\n"
                f"stdout:\n{self.out}\nstderr:\n{self.err}")


def ctl(*args: str, target: str | None = None, as_json: bool = False,
        token: str | None = None, env_token: str | None = None,
        timeout: float | None = None) -> CtlResult:
    """Run sipproxyctl [--target T] [--json] [--token X] [--timeout S] ARGS.
    $SIPPROXY_MGMT_TOKEN is removed from the environment unless env_token is
    given, so the token a command carries is exactly the one the test chose."""
    cmd = [str(ctl_binary())]
    if target:
        cmd += ["--target", target]
    if as_json:
        cmd.append("--json")
    if token is not None:
        cmd += ["--token", token]
    if timeout is not None:
        cmd += ["--timeout", str(timeout)]
    cmd += list(args)
    env = {k: v for k, v in os.environ.items() if k != "SIPPROXY_MGMT_TOKEN"}
    if env_token is not None:
        env["SIPPROXY_MGMT_TOKEN"] = env_token
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       env=env, timeout=CTL_WAIT)
    return CtlResult(cmd, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def mgmt_target(proxy: helpers.Deployment, host: str = "127.0.0.1") -> str:
    return f"{host}:{proxy.mgmt_port}"


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

@dataclass
class HttpReply:
    status: int | None      # None: the connection closed without a status line
    headers: dict[str, str]
    body: str
    raw: bytes


def http_raw(port: int, data: bytes, host: str = "127.0.0.1",
             timeout: float = 5.0) -> HttpReply:
    """Send raw bytes to the HTTP port and read until the server closes (the
    proxy answers with Connection: close)."""
    chunks: list[bytes] = []
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.settimeout(timeout)
        try:
            s.sendall(data)
        except OSError:
            pass  # the server may close early on an oversized request
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines and lines[0] else None
    headers = {}
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        if sep:
            headers[k.strip().lower()] = v.strip()
    return HttpReply(int(m.group(1)) if m else None, headers, body.decode("utf-8", "replace"),
                     raw)


def http(port: int, path: str, method: str = "GET", host: str = "127.0.0.1",
         extra_headers: str = "", body: bytes = b"") -> HttpReply:
    req = (f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra_headers}"
           f"{f'Content-Length: {len(body)}' + chr(13) + chr(10) if body else ''}"
           f"Connection: close\r\n\r\n").encode() + body
    return http_raw(port, req, host=host)


# ---------------------------------------------------------------------------
# Prometheus text format
# ---------------------------------------------------------------------------

_SAMPLE = re.compile(
    r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(?:\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*,?)?\})?'
    r' (?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?Inf|NaN)'
    r'(?: -?\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass
class Metrics:
    samples: list[tuple[str, dict[str, str], float]]
    help: dict[str, str]
    types: dict[str, str]

    def get(self, name: str, **labels) -> float | None:
        """The value of the one sample `name` whose labels include `labels`."""
        found = [v for n, lb, v in self.samples
                 if n == name and all(lb.get(k) == str(x) for k, x in labels.items())]
        if not found:
            return None
        assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
        return found[0]

    def value(self, name: str, **labels) -> float:
        v = self.get(name, **labels)
        assert v is not None, f"no sample {name}{labels or ''} in /metrics"
        return v

    def all(self, name: str) -> list[tuple[dict[str, str], float]]:
        return [(lb, v) for n, lb, v in self.samples if n == name]


def parse_prometheus(text: str) -> Metrics:
    """Parse the Prometheus text exposition format (0.0.4) strictly: every
    non-comment, non-blank line must be `name{labels} value`; every sample's
    family must have a HELP and a TYPE line before it."""
    samples, helps, types = [], {}, {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "HELP":
                helps[parts[2]] = parts[3] if len(parts) > 3 else ""
            elif len(parts) >= 4 and parts[1] == "TYPE":
                assert parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"), \
                    f"line {n}: bad TYPE {line!r}"
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        assert m, f"/metrics line {n} is not `name{{labels}} value`: {line!r}"
        name = m.group("name")
        labels = dict(_LABEL.findall(m.group("labels") or ""))
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in types \
                    and types[name[: -len(suffix)]] in ("histogram", "summary"):
                family = name[: -len(suffix)]
        assert family in types, f"/metrics line {n}: no # TYPE before sample {name}"
        assert family in helps, f"/metrics line {n}: no # HELP before sample {name}"
        samples.append((name, labels, float(m.group("value"))))
    return Metrics(samples, helps, types)


def metrics(port: int) -> Metrics:
    r = http(port, "/metrics")
    assert r.status == 200, f"GET /metrics -> {r.status}:\n{r.raw[:500]!r}"
    assert r.headers.get("content-type", "").startswith("text/plain"), r.headers
    return parse_prometheus(r.body)


# ---------------------------------------------------------------------------
# Raw-client dialogs and the proxy's own OPTIONS probes
# ---------------------------------------------------------------------------

def final_for(c: SipClient, request: bytes, timeout: float = 5.0) -> sipmsg.SipMessage:
    """The final response to exactly this request (Call-ID, CSeq, From tag)."""
    req = sipmsg.parse(request)

    def pred(rx) -> bool:
        m = rx.msg
        return (m is not None and m.is_response and m.status >= 200
                and m.call_id == req.call_id and m.cseq == req.cseq
                and m.from_tag == req.from_tag)
    return c.rx.wait_for(pred, timeout=timeout,
                         what=f"the final response to {req.method} {req.call_id} "
                              f"CSeq {req.cseq[0]}").msg


def invite(c: SipClient, user: str = "bob") -> bytes:
    return c.request("INVITE", f"sip:{user}@127.0.0.1", body=sipmsg.SDP,
                     content_type="application/sdp")


def send_invite(c: SipClient, user: str = "bob",
                timeout: float = 5.0) -> tuple[bytes, sipmsg.SipMessage]:
    """A new INVITE; returns (request, final).  A non-2xx final is ACKed."""
    data = invite(c, user)
    c.send(data)
    final = final_for(c, data, timeout=timeout)
    if final.status >= 300:
        c.send(c.ack_for(data, final))
    return data, final


class Dialog:
    """A dialog the raw client set up through the proxy (INVITE / 200 / ACK)."""

    def __init__(self, c: SipClient, request: bytes, ok: sipmsg.SipMessage):
        req = sipmsg.parse(request)
        self.c = c
        self.call_id = req.call_id
        self.from_ = req.get("From")
        self.to = ok.get("To")
        self.route = [("Route", r) for r in reversed(ok.record_routes())]
        self.target = sipmsg.uri_of(ok.get("Contact"))
        self.cseq = 1

    def _req(self, method: str, cseq: int) -> bytes:
        return self.c.request(method, self.target, cseq=cseq, call_id=self.call_id,
                              from_=self.from_, to=self.to, extra=self.route)

    def ack(self) -> None:
        self.c.send(self._req("ACK", 1))

    def bye(self) -> bytes:
        self.cseq += 1
        data = self._req("BYE", self.cseq)
        self.c.send(data)
        return data


def establish(c: SipClient, user: str = "bob") -> Dialog:
    data, final = send_invite(c, user)
    assert final.status == 200, f"INVITE through the proxy got {final.start_line}:\n{final.text}"
    d = Dialog(c, data, final)
    d.ack()
    return d


def options_to_proxy(c: SipClient, proxy: helpers.Deployment) -> sipmsg.SipMessage:
    """OPTIONS addressed to the proxy itself (R-URI sip:127.0.0.1:PORT)."""
    data = c.request("OPTIONS", f"sip:{proxy.hostport}")
    c.send(data)
    return final_for(c, data)


def probes(fake, proxy: helpers.Deployment, start: int = 0) -> list:
    """The proxy's own OPTIONS probes the fake got (one Via: the proxy's),
    counted once per branch."""
    seen, out = set(), []
    for rx in fake.rx.items()[start:]:
        m = rx.msg
        if m is None or not m.is_request or m.method != "OPTIONS":
            continue
        vias = m.vias()
        if len(vias) == 1 and vias[0].port == proxy.proxy_port and m.branch not in seen:
            seen.add(m.branch)
            out.append(rx)
    return out


def wait_until(pred, timeout: float, interval: float = 0.1):
    """Poll pred() until it returns something truthy (returned) or timeout
    (returns the last value)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


