"""The proxy's own address in what it sends (issue 2): resolve-host and sip-ip-tos.

* resolve-host = false (the default): the Via the proxy adds carries the name
  of its host (`host = localhost`, no sip-address); true: the resolved IP;
  sip-address set: that address, whatever resolve-host says.
* sip-ip-tos = 0xB8 (DiffServ EF): the TOS byte of the datagrams the proxy
  sends (read with IP_RECVTOS on the receiving socket), over UDP; unset (256):
  the system's default, 0.

Everything on loopback; every wait is bounded.
"""

from __future__ import annotations

import socket
import time

import pytest

import helpers
from fakes import sipmsg


def config(proxy_port: int, mgmt_port: int, server_port: int, *, host: str,
           extra: list[str]) -> str:
    return "\n".join([
        "[sipproxy]", "sipproxy-role = 10", "applications = SIPServer_A",
        "serving-sipserver = SIPServer_A", "sipproxy-applications = SIPProxy_1",
        "oos-check = 0", *extra, "",
        "[SIPProxy_1]", "type = sip-proxy", f"host = {host}", f"sip-port = {proxy_port}",
        f"mgmt-port = {mgmt_port}", "",
        "[SIPServer_A]", "type = sip-server", f"primary = 127.0.0.1:{server_port}", ""])


def start(deploy, fake, *, host: str, extra: list[str]):
    proxy_port, mgmt_port = helpers.free_port(), helpers.free_port()
    return deploy(proxy_port=proxy_port, mgmt_port=mgmt_port,
                  config_text=config(proxy_port, mgmt_port, fake.port, host=host, extra=extra))


@pytest.mark.parametrize("extra, via_host", [
    ([], "localhost"),
    (["resolve-host = false"], "localhost"),
    (["resolve-host = true"], "127.0.0.1"),
    (["resolve-host = true", "sip-address = 127.0.0.1"], "127.0.0.1"),
])
def test_via_host_follows_resolve_host(extra, via_host, deploy, fake_server, sip_client):
    fake = fake_server()
    proxy = start(deploy, fake, host="localhost", extra=extra)
    c = sip_client(proxy.addr)
    req = c.request("MESSAGE", "sip:bob@127.0.0.1", body="via", extra=[("Content-Type", "text/plain")])
    cid = sipmsg.parse(req).call_id
    c.send(req)
    rx = fake.wait_request("MESSAGE", lambda m: m.call_id == cid, timeout=5)
    top = rx.msg.top_via
    assert (top.host, top.port) == (via_host, proxy.proxy_port), rx.describe()


def tos_of_answer(proxy_port: int) -> int:
    """Send an OPTIONS to the proxy itself and return the TOS byte of its 200."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        port = s.getsockname()[1]
        data = sipmsg.request("OPTIONS", f"sip:127.0.0.1:{proxy_port}",
                              via=f"SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{time.time_ns():x}")
        s.sendto(data if isinstance(data, bytes) else data.encode(), ("127.0.0.1", proxy_port))
        msg, anc, _, _ = s.recvmsg(65535, socket.CMSG_SPACE(4))
        assert msg.startswith(b"SIP/2.0 200"), msg[:200]
        for level, kind, value in anc:
            if level == socket.IPPROTO_IP and kind == socket.IP_TOS:
                return value[0]
        raise AssertionError("no IP_TOS ancillary data on the received datagram")
    finally:
        s.close()


@pytest.mark.parametrize("tos, expected", [("0xB8", 0xB8), ("16", 0x10), (None, 0)])
def test_sip_ip_tos_on_sent_datagrams(tos, expected, deploy, fake_server):
    fake = fake_server()
    extra = [f"sip-ip-tos = {tos}"] if tos is not None else []
    proxy = start(deploy, fake, host="127.0.0.1", extra=extra + ["sip-address = 127.0.0.1"])
    assert tos_of_answer(proxy.proxy_port) == expected
