"""The proxy's own address in what it sends (issue 2): resolve-host and sip-ip-tos.

* resolve-host = false (the default): the Via the proxy adds carries the name
  of its host (`host = localhost`, no sip-address); true: the resolved IP;
  sip-address set: that address, whatever resolve-host says.
* sip-ip-tos = 0xB8 (DiffServ EF): the TOS byte of the datagrams the proxy
  sends (read with IP_RECVTOS on the receiving socket), over UDP; unset (256):
  the system's default, 0. The same over TCP: the TOS of the SYN of the
  connection the proxy opens to a SIP Server (IP_PKTOPTIONS on the accepted socket).

Everything on loopback; every wait is bounded.
"""

from __future__ import annotations

import socket
import struct
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




IP_PKTOPTIONS = 9  # Linux <linux/in.h>: the control messages a stream socket kept


def tos_of_pktoptions(conn: socket.socket) -> int:
    """The IP_TOS that Linux kept for an accepted TCP socket whose listener had IP_RECVTOS:
    the TOS byte of the connection's SYN."""
    raw = conn.getsockopt(socket.IPPROTO_IP, IP_PKTOPTIONS, 256)
    header = socket.CMSG_LEN(0)
    i = 0
    while i + header <= len(raw):
        length, level, kind = struct.unpack_from("@Nii", raw, i)
        if length < header:
            break
        if level == socket.IPPROTO_IP and kind == socket.IP_TOS:
            return raw[i + header]
        i += socket.CMSG_SPACE(length - header)
    raise AssertionError(f"no IP_TOS in IP_PKTOPTIONS of the TCP connection: {raw!r}")


@pytest.mark.parametrize("tos, expected", [("0xB8", 0xB8), ("64", 0x40), (None, 0)])
def test_sip_ip_tos_on_tcp(tos, expected, deploy, sip_client):
    """sip-ip-tos on the TCP connections the proxy opens: the SIP Server is reached with
    ;transport=tcp, and the server side reads the TOS of the proxy's SYN (Linux keeps the
    first segment's TOS for a socket accepted on a listener with IP_RECVTOS). The request
    the connection then carries is the one the client sent, so the connection is the
    proxy's. 256 (unset) leaves the system's default, 0."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(5)
    try:
        server_port = listener.getsockname()[1]
        proxy_port, mgmt_port = helpers.free_port(), helpers.free_port()
        text = config(proxy_port, mgmt_port, server_port, host="127.0.0.1",
                      extra=[f"sip-ip-tos = {tos}"] if tos is not None else [])
        text = text.replace(f"primary = 127.0.0.1:{server_port}",
                            f"primary = 127.0.0.1:{server_port};transport=tcp")
        proxy = deploy(proxy_port=proxy_port, mgmt_port=mgmt_port, config_text=text)
        c = sip_client(proxy.addr)
        req = c.request("MESSAGE", "sip:bob@127.0.0.1", body="tos",
                        extra=[("Content-Type", "text/plain")])
        cid = sipmsg.parse(req).call_id
        c.send(req)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = conn.recv(65535)
                assert chunk, f"the proxy closed the connection: {got[:200]!r}"
                got += chunk
            assert got.startswith(b"MESSAGE ") and cid.encode() in got, got[:300]
            assert tos_of_pktoptions(conn) == expected
    finally:
        listener.close()
