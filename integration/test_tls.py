"""SIP over TLS at the edge (RFC 3261 §26, RFC 5630): phones connect to
sip-tls-port with Python's ssl module; the SIP Server side is the UDP fake.

- a phone registers over TLS; the SIP Server's INVITE (sip: and sips:) reaches
  it over that TLS connection, Via says TLS, Record-Route says transport=tls
  (two entries: the hop changes transport), ACK and BYE follow;
- a call from the TLS phone to the SIP Server, end to end;
- RFC 5630: a sips: request for a phone registered in clear gets 480;
- garbage, a plain SIP request and a client that never handshakes are closed,
  and the idle ones count against max-tcp-connections only until the
  handshake deadline;
- bad TLS files stop the start with 40003 naming the file and line;
- SIGHUP swaps the certificate: a new connection sees the new serial, an open
  one keeps working;
- a phone registered over TLS on one instance of the pool is reached through
  another (the pool fixture of test_pool.py);
- a ;transport=tls next hop the proxy connects to itself must present a
  certificate from tls-ca-file naming its address, else the hop fails (503).

Certificates are made at test time with openssl (fakes/tls_certs.py).
"""

from __future__ import annotations

import signal
import socket
import ssl
import threading
import time

import pytest

import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy, answer, register_request, wait_request
from fakes.tls_certs import TestCerts
from test_pool import invite_via, pool, pool_config, shared_storage, wait_all_linked, wait_bindings
from test_pool import register as pool_register
from test_registrar import transact

__all__ = ["pool", "shared_storage"]  # fixtures shared with test_pool.py

USER = "1000"


@pytest.fixture
def certs(tmp_path):
    return TestCerts(tmp_path / "pki")


def client_context(ca) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def tls_options(cert, tls_port: int) -> tuple[list, list]:
    """(sipproxy_extra, proxy_extra) for a TLS listener with `cert`."""
    return ([("tls-certificate", str(cert.cert)), ("tls-private-key", str(cert.key))],
            [("sip-tls-port", str(tls_port))])


def start_tls_proxy(deploy, fake_server, port, cert, **kw):
    fake = fake_server(on_request=RegistrarPolicy())
    tls_port = port()
    sx, px = tls_options(cert, tls_port)
    proxy = deploy(server_port=fake.port, sipproxy_extra=sx + kw.pop("sipproxy_extra", []),
                   proxy_extra=px, **kw)
    return fake, proxy, tls_port


def register(phone, proxy, user=USER) -> sipmsg.SipMessage:
    contact = f"sip:{user}@127.0.0.1:{phone.port};transport={phone.transport.lower()}"
    data = register_request(phone, proxy.hostport, user, contact, contact_expires_=600)
    return transact(phone, data)


def server_invite(fake, proxy, ruri: str):
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    data = sipmsg.request("INVITE", ruri, via=fake.via(), from_=from_, to=f"<{ruri}>",
                          contact=fake.contact(), body=sipmsg.SDP,
                          content_type="application/sdp")
    fake.send(data, proxy.addr)
    return sipmsg.parse(data), from_


def options_over(phone, tls_port: int) -> sipmsg.SipMessage:
    ruri = f"sip:127.0.0.1:{tls_port}"
    return transact(phone, phone.request("OPTIONS", ruri, max_forwards=0))


@pytest.mark.parametrize("scheme", ["sip", "sips"])
def test_server_invite_reaches_tls_registered_phone(scheme, deploy, fake_server, sip_client,
                                                    port, certs):
    fake, proxy, tls_port = start_tls_proxy(deploy, fake_server, port, certs.issue("server"))
    phone = sip_client(("127.0.0.1", tls_port), "TLS", tls_context=client_context(certs.ca))
    ok = register(phone, proxy)
    assert ok.status == 200, f"TLS REGISTER got {ok.start_line}:\n{phone.dump()}"

    ruri = f"{scheme}:{USER}@{proxy.hostport}"
    inv, from_ = server_invite(fake, proxy, ruri)
    got = wait_request(phone, "INVITE", lambda m: m.call_id == inv.call_id, timeout=10)
    assert got.transport == "TLS", got.describe()
    top = got.msg.top_via
    assert (top.transport, top.host, top.port) == ("TLS", "127.0.0.1", tls_port), \
        f"the proxy's Via towards the TLS phone is not SIP/2.0/TLS on the TLS port:\n{got.describe()}"
    rrs = got.msg.record_routes()
    assert len(rrs) == 2, f"UDP in, TLS out: two Record-Route entries expected:\n{got.describe()}"
    assert "transport=tls" in rrs[0] and f":{tls_port}" in rrs[0], \
        f"the Record-Route facing the phone does not say transport=tls:\n{got.describe()}"
    assert "transport=tls" not in rrs[1], f"the entry facing the server is TLS:\n{got.describe()}"

    answer(phone, got.msg, 200)
    ok_rx = fake.wait_response(inv.call_id, method="INVITE", final=True, timeout=10)
    assert ok_rx.msg.status == 200, fake.dump()
    # ACK and BYE from the SIP Server along the route set reach the phone over TLS.
    route = [("Route", r) for r in reversed(ok_rx.msg.record_routes())]
    target = sipmsg.uri_of(ok_rx.msg.get("Contact"))
    common = dict(call_id=inv.call_id, from_=from_, to=ok_rx.msg.get("To"), extra=route)
    fake.send(sipmsg.request("ACK", target, via=fake.via(), cseq=1, **common), proxy.addr)
    wait_request(phone, "ACK", lambda m: m.call_id == inv.call_id, timeout=10)
    fake.send(sipmsg.request("BYE", target, via=fake.via(), cseq=2, **common), proxy.addr)
    bye = wait_request(phone, "BYE", lambda m: m.call_id == inv.call_id, timeout=10)
    assert bye.transport == "TLS"
    answer(phone, bye.msg, 200)
    bye_ok = fake.wait_response(inv.call_id, method="BYE", final=True, timeout=10)
    assert bye_ok.msg.status == 200, fake.dump()


def test_tls_phone_call_end_to_end(deploy, fake_server, sip_client, port, certs):
    fake, proxy, tls_port = start_tls_proxy(deploy, fake_server, port, certs.issue("server"))
    phone = sip_client(("127.0.0.1", tls_port), "TLS", tls_context=client_context(certs.ca))
    ruri = f"sip:2000@{proxy.hostport}"
    invite = phone.request("INVITE", ruri, body=sipmsg.SDP, content_type="application/sdp")
    inv = sipmsg.parse(invite)
    ok = transact(phone, invite)
    assert ok.status == 200, f"INVITE over TLS got {ok.start_line}:\n{phone.dump()}"
    at_server = fake.wait_request("INVITE", lambda m: m.call_id == inv.call_id, timeout=5).msg
    assert at_server.top_via.transport == "UDP", at_server.text
    rrs = ok.record_routes()
    assert len(rrs) == 2 and "transport=tls" in rrs[1] and f":{tls_port}" in rrs[1], \
        f"the Record-Route facing the TLS phone (the bottom one) must say transport=tls:\n{ok.text}"

    route = [("Route", r) for r in ok.record_routes()]
    target = sipmsg.uri_of(ok.get("Contact"))
    common = dict(call_id=inv.call_id, from_=inv.get("From"), to=ok.get("To"), extra=route)
    phone.send(phone.request("ACK", target, cseq=1, **common))
    fake.wait_request("ACK", lambda m: m.call_id == inv.call_id, timeout=10)
    bye_ok = transact(phone, phone.request("BYE", target, cseq=2, **common))
    assert bye_ok.status == 200, phone.dump()
    bye = fake.wait_request("BYE", lambda m: m.call_id == inv.call_id, timeout=5).msg
    assert bye.top_via.transport == "UDP"


def test_sips_request_for_phone_registered_in_clear_gets_480(deploy, fake_server, sip_client,
                                                             port, certs):
    fake, proxy, tls_port = start_tls_proxy(deploy, fake_server, port, certs.issue("server"))
    phone = sip_client(proxy.addr, "TCP")
    assert register(phone, proxy).status == 200
    inv, _ = server_invite(fake, proxy, f"sips:{USER}@{proxy.hostport}")
    final = fake.wait_response(inv.call_id, method="INVITE", final=True, timeout=10).msg
    assert final.status == 480, f"sips: to a TCP-only phone got {final.start_line}"
    leaked = [rx for rx in phone.rx.items() if rx.msg is not None and rx.msg.call_id == inv.call_id]
    assert not leaked, f"the sips: INVITE went to the phone in clear:\n{leaked[0].describe()}"


def _closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Reads until the proxy closes (bounded); True when it did."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not sock.recv(4096):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def test_garbage_plain_sip_and_idle_clients_are_closed(deploy, fake_server, sip_client, port,
                                                       certs):
    fake, proxy, tls_port = start_tls_proxy(deploy, fake_server, port, certs.issue("server"),
                                            sipproxy_extra=[("max-tcp-connections", "2")])
    plain = sipmsg.request("OPTIONS", f"sip:127.0.0.1:{tls_port}",
                           via=sipmsg.via_value("TCP", "127.0.0.1", 5999))
    for payload in (plain, bytes(range(256)) * 8):
        s = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
        s.sendall(payload)
        assert _closed_by_peer(s, 10), f"the TLS port kept a connection that sent {payload[:20]!r}"
        s.close()
    # Two clients that never handshake hold both slots, until the handshake deadline.
    idle = [socket.create_connection(("127.0.0.1", tls_port), timeout=5) for _ in range(2)]
    for s in idle:
        assert _closed_by_peer(s, 20), "an idle TLS client kept its connection past the deadline"
        s.close()
    assert "no handshake within" in proxy.log_text()
    phone = sip_client(("127.0.0.1", tls_port), "TLS", tls_context=client_context(certs.ca))
    assert options_over(phone, tls_port).status == 200
    assert proxy.proc.poll() is None


def test_wrong_host_certificate_is_refused_by_the_phone(deploy, fake_server, port, certs):
    """A phone that checks the name sees the proxy's certificate for another host."""
    fake, proxy, tls_port = start_tls_proxy(deploy, fake_server, port,
                                            certs.issue("other", host="sip.example.net"))
    raw = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
    with pytest.raises(ssl.SSLCertVerificationError):
        client_context(certs.ca).wrap_socket(raw, server_hostname="127.0.0.1")
    raw.close()


@pytest.mark.parametrize("problem", ["expired", "mismatched-key", "missing-file", "no-cert"])
def test_bad_tls_files_give_40003(problem, sipproxyd_bin, tmp_path, port, certs):
    good = certs.issue("server")
    cert, key = str(good.cert), str(good.key)
    option = "tls-certificate"
    if problem == "expired":
        old = certs.issue("old", expired=True)
        cert, key = str(old.cert), str(old.key)
        expect = "expired"
    elif problem == "mismatched-key":
        key = str(certs.key("stranger"))
        option, expect = "tls-private-key", "not the key"
    elif problem == "missing-file":
        cert = str(tmp_path / "nowhere.pem")
        expect = "does not exist"
    sx = [] if problem == "no-cert" else [("tls-certificate", cert), ("tls-private-key", key)]
    text = helpers.render_config(proxy_port=port(), mgmt_port=port(),
                                 primary=f"127.0.0.1:{port()}", sipproxy_extra=sx,
                                 proxy_extra=[("sip-tls-port", str(port()))])
    if problem == "no-cert":
        option, expect = "sip-tls-port", "tls-certificate"
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(option))
    rc, out, cfg = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text)
    assert rc not in (None, 0), f"sipproxyd ran with {problem}:\n{out}"
    lines = [ln for ln in out.splitlines() if "40003" in ln]
    assert any(f"{cfg}:{line}" in ln and option in ln and expect in ln for ln in lines), \
        f"no 40003 line naming {cfg}:{line}, '{option}' and '{expect}':\n{out}"


def test_sighup_swaps_certificate_and_keeps_open_connections(deploy, fake_server, sip_client,
                                                             port, certs):
    first = certs.issue("server")
    fake, proxy, tls_port = start_tls_proxy(deploy, fake_server, port, first)
    ctx = client_context(certs.ca)
    old_phone = sip_client(("127.0.0.1", tls_port), "TLS", tls_context=ctx)
    assert int(old_phone.peer_cert["serialNumber"], 16) == first.serial

    second = certs.issue("renewed")
    assert second.serial != first.serial
    # A renewed certificate written over the old files, as certbot and friends do.
    first.cert.write_bytes(second.cert.read_bytes())
    first.key.write_bytes(second.key.read_bytes())
    proxy.proc.send_signal(signal.SIGHUP)
    assert mu.wait_until(lambda: "for new connections" in proxy.log_text(), timeout=10), \
        helpers.tail(proxy.log_path, 30)

    new_phone = sip_client(("127.0.0.1", tls_port), "TLS", tls_context=ctx)
    assert int(new_phone.peer_cert["serialNumber"], 16) == second.serial
    assert options_over(old_phone, tls_port).status == 200, "the open connection broke on reload"
    assert options_over(new_phone, tls_port).status == 200



def test_tls_registration_reached_from_another_pool_instance(pool, sip_client, certs):
    """A phone registered over TLS on SIPProxy_1 gets the SIP Server's INVITE sent
    through SIPProxy_2 over its TLS connection (SIPProxy_1 holds the flow)."""
    cert = certs.issue("server")
    tls_port = helpers.free_port()
    template = pool_config("{sip_port}", ["{mgmt1}", "{mgmt2}"], "{server_port}")
    template = template.replace(
        "[sipproxy]\n",
        f"[sipproxy]\ntls-certificate = {cert.cert}\ntls-private-key = {cert.key}\n", 1)
    template = template.replace("[SIPProxy_1]\n", f"[SIPProxy_1]\nsip-tls-port = {tls_port}\n", 1)
    fake, (i1, i2) = pool(n=2, texts={1: template, 2: template})
    wait_all_linked([i1, i2])
    phone = sip_client(("127.0.0.1", tls_port), "TLS", tls_context=client_context(certs.ca))
    pool_register(phone, i1, fake, f"sip:1000@127.0.0.1:{phone.port};transport=tls")
    got = wait_bindings(i2, lambda b: len(b) == 1, "the TLS binding made via SIPProxy_1")
    assert got[0]["instance"] == "SIPProxy_1", got
    rx = invite_via(fake, i2, phone)
    assert rx.transport == "TLS", rx.describe()
    vias = rx.msg.vias()
    assert [(v.transport, v.host) for v in vias[:2]] == [("TLS", "127.0.0.1"), ("UDP", "127.0.0.2")], \
        rx.describe()
    assert vias[0].port == tls_port, rx.describe()


class TlsUas:
    """A TLS endpoint on loopback: accepts connections (bounded), answers each INVITE
    with `code` and records what it received."""

    def __init__(self, cert):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(cert.cert), str(cert.key))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.received: list[sipmsg.SipMessage] = []
        self.handshake_errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except socket.timeout:
                continue
            try:
                conn = self.ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.handshake_errors.append(str(e))
                raw.close()
                continue
            conn.settimeout(0.2)
            buf = b""
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65535)
                except socket.timeout:
                    continue
                except (ssl.SSLError, OSError):
                    break
                if not chunk:
                    break
                buf += chunk
                msgs, buf = sipmsg.split_stream(buf)
                for data in msgs:
                    msg = sipmsg.parse(data)
                    self.received.append(msg)
                    if msg.method == "INVITE":
                        conn.sendall(sipmsg.response(msg, 486, to_tag=sipmsg.new_tag()))
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()


@pytest.mark.parametrize("uas_host", ["127.0.0.1", "sip.example.net"],
                         ids=["right-certificate", "wrong-host-certificate"])
def test_transport_tls_next_hop_checks_the_certificate(uas_host, deploy, fake_server, port,
                                                       certs):
    """The SIP Server's INVITE for sip:carol@127.0.0.1:P;transport=tls: the proxy opens
    a TLS connection, checks the certificate against tls-ca-file and the address, and
    sends it only when both hold; a certificate for another name fails the hop (503)."""
    uas = TlsUas(certs.issue("uas", host=uas_host))
    try:
        fake, proxy, tls_port = start_tls_proxy(
            deploy, fake_server, port, certs.issue("server"),
            sipproxy_extra=[("tls-ca-file", str(certs.ca))])
        inv, _ = server_invite(fake, proxy, f"sip:carol@127.0.0.1:{uas.port};transport=tls")
        final = fake.wait_response(inv.call_id, method="INVITE", final=True, timeout=15).msg
        if uas_host == "127.0.0.1":
            assert final.status == 486, f"{final.start_line}:\n{helpers.tail(proxy.log_path, 20)}"
            got = [m for m in uas.received if m.method == "INVITE"]
            assert got and got[0].top_via.transport == "TLS", uas.received
        else:
            assert final.status == 503, f"{final.start_line}:\n{helpers.tail(proxy.log_path, 20)}"
            assert not uas.received, "the INVITE went to a peer whose certificate names another host"
            assert "TLS handshake with" in proxy.log_text()
    finally:
        uas.close()
