"""Forking (RFC 3261 §16.6, §16.7): a request from the SIP Server for an
address-of-record with several contacts goes to all of them in parallel.

Two raw SIP clients register sip:1000@PROXY with their own contacts; the fake
SIP Server (fakes/registrar_server.py answering REGISTER) then sends the
request.  What the SIP Server and each endpoint must see:

* INVITE: both ring; the first 200 goes upstream and the other branch is
  CANCELled (its 487 is ACKed by the proxy, not relayed);
* 486 on one branch and 200 on the other: the 200 wins;
* 486 and 480: one 4xx goes upstream once both answered;
* 603 on one branch: the other is CANCELled, and the 603 goes upstream;
* the SIP Server's CANCEL reaches both branches;
* MESSAGE: both get it, the 200 comes back;
* a request inside a dialog (To tag) goes to the newest contact only.

Everything on 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import threading

import helpers
from fakes import sipmsg
from fakes.registrar_server import (RegistrarPolicy, answer, register_request, server_request,
                                    wait_request)

USER = "1000"


def registered_twice(deploy, fake_server, sip_client):
    fake = fake_server(on_request=RegistrarPolicy())
    proxy = deploy(server_port=fake.port)
    clients = []
    for name in ("older", "newer"):
        c = sip_client(proxy.addr, name=name)
        data = register_request(c, proxy.hostport, USER, f"sip:{USER}@127.0.0.1:{c.port}",
                                contact_expires_=600 if name == "older" else 900)
        cid = sipmsg.parse(data).call_id
        c.send(data)
        ok = c.rx.wait_for(lambda r, cid=cid: r.msg is not None and r.msg.is_response
                           and r.msg.call_id == cid and r.msg.status >= 200,
                           timeout=10, what="the 200 to REGISTER")
        assert ok.msg.status == 200, ok.describe()
        clients.append(c)
    return fake, proxy, clients


def start_request(fake, proxy, method: str, ruri: str | None = None, **kw):
    """server_request (to the AOR unless `ruri`) in a thread: returns (thread,
    result dict)."""
    result: dict = {}

    def run():
        result["v"] = server_request(fake, proxy.addr, method,
                                     ruri or f"sip:{USER}@{proxy.hostport}", timeout=20, **kw)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, result


def finish(t, result, fake):
    t.join(timeout=25)
    assert "v" in result, f"no final response at the SIP Server:\n{fake.dump()}"
    return result["v"]


def both_get(clients, method: str, call_id: str | None = None):
    return [wait_request(c, method, (lambda m: m.call_id == call_id) if call_id else None,
                         timeout=5).msg for c in clients]


def cancel_answered(c, inv):
    """The proxy CANCELs this branch: 200 to the CANCEL, 487 to the INVITE,
    and the proxy's ACK for the 487 arrives."""
    cancel = wait_request(c, "CANCEL", lambda m: m.call_id == inv.call_id, timeout=5).msg
    assert cancel.branch == inv.branch, f"CANCEL on another branch:\n{cancel.text}"
    answer(c, cancel, 200)
    answer(c, inv, 487)
    ack = wait_request(c, "ACK", lambda m: m.call_id == inv.call_id, timeout=5).msg
    assert ack.branch == inv.branch, f"the ACK for the 487 is not hop-by-hop:\n{ack.text}"


def test_invite_rings_every_contact_first_200_wins(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    t, result = start_request(fake, proxy, "INVITE")
    inv_old, inv_new = both_get([older, newer], "INVITE")
    assert inv_old.call_id == inv_new.call_id
    assert inv_old.ruri == f"sip:{USER}@127.0.0.1:{older.port}", inv_old.text
    assert inv_new.ruri == f"sip:{USER}@127.0.0.1:{newer.port}", inv_new.text
    assert inv_old.branch != inv_new.branch, "two branches need two Via branch ids"
    answer(older, inv_old, 180)  # a CANCEL waits for a provisional (RFC 3261 §9.1)
    answer(newer, inv_new, 200)
    req, final = finish(t, result, fake)
    assert final.status == 200, final.text
    assert f":{newer.port}" in final.get("Contact"), final.text
    cancel_answered(older, inv_old)
    helpers.barrier(proxy, fake)  # a relayed 487 would have reached the fake before it
    finals = [rx.msg for rx in fake.responses(req.call_id) if rx.msg.status >= 200]
    assert [m.status for m in finals] == [200], \
        f"the cancelled branch's 487 reached the SIP Server:\n{fake.dump()}"


def test_busy_branch_loses_to_200(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    t, result = start_request(fake, proxy, "INVITE")
    inv_old, inv_new = both_get([older, newer], "INVITE")
    answer(newer, inv_new, 486)
    ack = wait_request(newer, "ACK", lambda m: m.call_id == inv_new.call_id, timeout=5).msg
    assert ack.branch == inv_new.branch
    helpers.barrier(proxy, fake)  # a relayed 486 would have reached the fake before it
    assert not [rx for rx in fake.responses(inv_new.call_id) if rx.msg.status >= 200], \
        f"the 486 went upstream while a branch was still ringing:\n{fake.dump()}"
    answer(older, inv_old, 200)
    _, final = finish(t, result, fake)
    assert final.status == 200, final.text


def test_every_branch_busy_gives_one_4xx(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    t, result = start_request(fake, proxy, "INVITE")
    inv_old, inv_new = both_get([older, newer], "INVITE")
    answer(older, inv_old, 480)
    answer(newer, inv_new, 486)
    req, final = finish(t, result, fake)
    assert final.status in (480, 486), final.text
    helpers.barrier(proxy, fake)  # a second final would have reached the fake before it
    assert len([rx for rx in fake.responses(req.call_id) if rx.msg.status >= 200]) == 1, \
        fake.dump()


def test_6xx_cancels_the_other_branches(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    t, result = start_request(fake, proxy, "INVITE")
    inv_old, inv_new = both_get([older, newer], "INVITE")
    answer(older, inv_old, 180)
    answer(newer, inv_new, 180)
    answer(newer, inv_new, 603)
    cancel_answered(older, inv_old)
    _, final = finish(t, result, fake)
    assert final.status == 603, f"expected the 603, got {final.start_line}\n{fake.dump()}"


def test_server_cancel_reaches_every_branch(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    ruri = f"sip:{USER}@{proxy.hostport}"
    via = fake.via()
    from_ = f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}"
    data = sipmsg.request("INVITE", ruri, via=via, from_=from_, to=f"<{ruri}>",
                          contact=fake.contact(), body=sipmsg.SDP,
                          content_type="application/sdp")
    inv = sipmsg.parse(data)
    fake.send(data, proxy.addr)
    invs = both_get([older, newer], "INVITE", inv.call_id)
    for c, m in zip((older, newer), invs):
        answer(c, m, 180)
    fake.wait_response(inv.call_id, method="INVITE", code=180, final=False, timeout=5)
    fake.send(sipmsg.build(f"CANCEL {ruri} SIP/2.0", [
        ("Via", via), ("Max-Forwards", "70"), ("From", from_), ("To", f"<{ruri}>"),
        ("Call-ID", inv.call_id), ("CSeq", f"{inv.cseq[0]} CANCEL")]), proxy.addr)
    for c, m in zip((older, newer), invs):
        cancel_answered(c, m)
    final = fake.wait_response(inv.call_id, method="INVITE", final=True, timeout=10).msg
    assert final.status == 487, final.text


def test_message_goes_to_every_contact(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    t, result = start_request(fake, proxy, "MESSAGE")
    msgs = both_get([older, newer], "MESSAGE")
    answer(older, msgs[0], 200)
    answer(newer, msgs[1], 200)
    _, final = finish(t, result, fake)
    assert final.status == 200, final.text


def test_in_dialog_request_is_not_forked(deploy, fake_server, sip_client):
    fake, proxy, (older, newer) = registered_twice(deploy, fake_server, sip_client)
    ruri = f"sip:{USER}@{proxy.hostport}"
    data = sipmsg.request("INFO", ruri, via=fake.via(),
                          from_=f"<sip:agent@{fake.address}>;tag={sipmsg.new_tag()}",
                          to=f"<{ruri}>;tag={sipmsg.new_tag()}")
    cid = sipmsg.parse(data).call_id
    fake.send(data, proxy.addr)
    info = wait_request(newer, "INFO", lambda m: m.call_id == cid, timeout=5).msg
    answer(newer, info, 200)
    assert fake.wait_response(cid, method="INFO", final=True, timeout=10).msg.status == 200
    # A later request from the SIP Server to the older contact itself: the proxy
    # handled the INFO first, so a forked copy would have reached `older` before it.
    t, result = start_request(fake, proxy, "MESSAGE", ruri=f"sip:{USER}@127.0.0.1:{older.port}")
    later = wait_request(older, "MESSAGE", timeout=5).msg
    answer(older, later, 200)
    _, final = finish(t, result, fake)
    assert final.status == 200, final.text
    assert not [rx for rx in older.rx.items() if rx.msg is not None and rx.msg.call_id == cid], \
        f"an in-dialog request was forked:\n{older.dump()}"
