"""Malformed input: a 400 with a reason phrase when a response can be addressed
(a Via is present), silence otherwise; the proxy keeps serving either way and
forwards nothing to the SIP Server."""

from __future__ import annotations

import pytest

import helpers
from fakes import sipmsg


def _invite_lines(c, branch, call_id, body: str = sipmsg.SDP) -> list[tuple[str, str]]:
    return [
        ("Via", c.via(branch)),
        ("Max-Forwards", "70"),
        ("From", f"<sip:alice@127.0.0.1>;tag={sipmsg.new_tag()}"),
        ("To", "<sip:bob@127.0.0.1>"),
        ("Call-ID", call_id),
        ("CSeq", "1 INVITE"),
        ("Contact", c.contact()),
        ("Content-Type", "application/sdp"),
    ]


def _bytes(headers, body: str, *, content_length: str | None) -> bytes:
    hs = list(headers)
    if content_length is not None:
        hs.append(("Content-Length", content_length))
    return sipmsg.build("INVITE sip:bob@127.0.0.1 SIP/2.0", hs, body, content_length=False)


def _drop(headers, name):
    return [(n, v) for n, v in headers if n != name]


CASES_400 = {
    # name: (header transform, Content-Length value or None = correct length)
    "content-length-too-large": (lambda h: h, "999"),
    "content-length-non-numeric": (lambda h: h, "abc"),
    "missing-call-id": (lambda h: _drop(h, "Call-ID"), None),
    "missing-from": (lambda h: _drop(h, "From"), None),
    "missing-to": (lambda h: _drop(h, "To"), None),
    "missing-cseq": (lambda h: _drop(h, "CSeq"), None),
}


def _assert_alive(proxy, sip_client, transport="UDP"):
    c = sip_client(proxy.addr, transport, name=f"alive-check-{transport.lower()}")
    req = c.request("OPTIONS", f"sip:{proxy.hostport}")
    resp = c.transact(req)
    assert resp.status == 200, f"proxy no longer answers OPTIONS: {resp.start_line}"


def _fake_got_nothing_but_barriers(proxy, fake):
    helpers.barrier(proxy, fake)
    # Only the barrier OPTIONS (Call-ID "it-...") may have reached it.
    other = [rx for rx in fake.rx.items()
             if rx.msg is None or rx.msg.method != "OPTIONS"
             or not (rx.msg.call_id or "").startswith("it-")]
    assert not other, ("malformed input reached the SIP Server:\n"
                       + "\n".join(rx.describe() for rx in other))


@pytest.fixture
def setup(deploy, fake_server):
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    return proxy, fake


@pytest.mark.parametrize("case", list(CASES_400))
def test_malformed_udp_gets_400(case, setup, sip_client):
    proxy, fake = setup
    c = sip_client(proxy.addr, "UDP")
    branch = sipmsg.new_branch()
    transform, clen = CASES_400[case]
    body = sipmsg.SDP
    headers = transform(_invite_lines(c, branch, sipmsg.new_call_id("bad")))
    data = _bytes(headers, body, content_length=clen if clen is not None else str(len(body)))
    c.send(data)
    rx = c.rx.wait_for(lambda r: r.msg is not None and r.msg.is_response
                       and r.msg.branch == branch and r.msg.status >= 200,
                       what=f"a final response to the malformed INVITE ({case})")
    resp = rx.msg
    assert resp.status == 400, f"{case}: got {resp.start_line}, want 400\nsent:\n{data.decode()}"
    assert resp.reason and resp.reason.strip(), f"{case}: 400 without a reason phrase"
    print(f"{case}: {resp.start_line}")
    _assert_alive(proxy, sip_client)
    _fake_got_nothing_but_barriers(proxy, fake)


def test_missing_via_is_dropped_silently(setup, sip_client):
    proxy, fake = setup
    c = sip_client(proxy.addr, "UDP")
    headers = _drop(_invite_lines(c, sipmsg.new_branch(), sipmsg.new_call_id("bad")), "Via")
    c.send(_bytes(headers, sipmsg.SDP, content_length=str(len(sipmsg.SDP))))
    # Same socket: once the OPTIONS answer is here, an answer to the earlier
    # datagram would have been too.
    req = c.request("OPTIONS", f"sip:{proxy.hostport}")
    resp = c.transact(req)
    assert resp.status == 200, f"proxy no longer answers OPTIONS: {resp.start_line}"
    got = c.rx.items()  # the OPTIONS answer came after anything answering the garbage
    others = [rx for rx in got if rx.msg is None or rx.msg.call_id != resp.call_id]
    assert not others, ("a request without Via cannot be answered and must be dropped, got:\n"
                        + "\n".join(rx.describe() for rx in others))
    _fake_got_nothing_but_barriers(proxy, fake)


@pytest.mark.parametrize("garbage", [
    b"\x00\xff\xfe\x01garbage\x80\x81\r\n\r\n",
    b"this is not SIP at all\r\n\r\n",
    b"INVITE\r\n\r\n",
    b"SIP/2.0 200\r\n\r\n",
], ids=["binary", "text", "truncated-request-line", "headerless-response"])
def test_garbage_is_dropped(garbage, setup, sip_client):
    proxy, fake = setup
    c = sip_client(proxy.addr, "UDP")
    c.send(garbage)
    req = c.request("OPTIONS", f"sip:{proxy.hostport}")
    resp = c.transact(req)
    assert resp.status == 200, f"proxy no longer answers OPTIONS after garbage: {resp.start_line}"
    got = c.rx.items()  # the OPTIONS answer came after anything answering the garbage
    others = [rx for rx in got if rx.msg is None or rx.msg.call_id != resp.call_id]
    assert not others, "garbage got an answer:\n" + "\n".join(rx.describe() for rx in others)
    _fake_got_nothing_but_barriers(proxy, fake)


def test_malformed_tcp_bad_content_length_gets_400(setup, sip_client):
    proxy, fake = setup
    c = sip_client(proxy.addr, "TCP")
    branch = sipmsg.new_branch()
    headers = _invite_lines(c, branch, sipmsg.new_call_id("bad"))
    c.send(_bytes(headers, sipmsg.SDP, content_length="abc"))
    rx = c.rx.wait_for(lambda r: r.msg is not None and r.msg.is_response
                       and r.msg.branch == branch and r.msg.status >= 200,
                       what="a 400 on the TCP connection for Content-Length: abc")
    assert rx.msg.status == 400, f"got {rx.msg.start_line}, want 400"
    assert rx.msg.reason and rx.msg.reason.strip(), "400 without a reason phrase"
    _assert_alive(proxy, sip_client, "TCP")
    _assert_alive(proxy, sip_client, "UDP")
    _fake_got_nothing_but_barriers(proxy, fake)


def test_many_malformed_then_call_still_works(setup, sip_client):
    """A burst of every malformed kind, then a normal transaction through the proxy."""
    proxy, fake = setup
    c = sip_client(proxy.addr, "UDP")
    for case, (transform, clen) in CASES_400.items():
        headers = transform(_invite_lines(c, sipmsg.new_branch(), sipmsg.new_call_id("bad")))
        c.send(_bytes(headers, sipmsg.SDP,
                      content_length=clen if clen is not None else str(len(sipmsg.SDP))))
    c.send(b"\x00\x01\x02\x03")
    good = c.request("MESSAGE", "sip:bob@127.0.0.1")
    resp = c.transact(good)
    assert resp.status == 200, f"MESSAGE after malformed burst got {resp.start_line}"
    fake.wait_request("MESSAGE", lambda m: m.call_id == sipmsg.parse(good).call_id)
