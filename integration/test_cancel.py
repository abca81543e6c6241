"""CANCEL: the proxy answers the endpoint's CANCEL with 200 itself, sends its own
CANCEL downstream (same branch as the INVITE it forwarded, RFC 3261 §16.10 /
§9.1), forwards the 487, ACKs the 487 hop by hop, and absorbs the endpoint's
ACK for the 487."""

from __future__ import annotations

import pytest

import helpers
from fakes import sipmsg
from fakes.sip_server import RING_FOREVER


def _check_downstream_cancel(fake, proxy):
    inv_rx = fake.wait_request("INVITE")
    cancel_rx = fake.wait_request("CANCEL")
    inv, cancel = inv_rx.msg, cancel_rx.msg
    assert cancel.branch == inv.branch, \
        ("CANCEL sent downstream must carry the branch of the INVITE it cancels:\n"
         f"INVITE:\n{inv_rx.describe()}\nCANCEL:\n{cancel_rx.describe()}")
    assert len(cancel.vias()) == 1, \
        f"CANCEL must have a single Via (the proxy's; RFC 3261 §9.1):\n{cancel_rx.describe()}"
    assert cancel.ruri == inv.ruri, f"CANCEL Request-URI differs from the INVITE's:\n{cancel_rx.describe()}"
    assert cancel.call_id == inv.call_id
    assert cancel.get("From") == inv.get("From"), cancel_rx.describe()
    assert cancel.cseq == (inv.cseq[0], "CANCEL"), cancel_rx.describe()
    assert cancel.routes() == inv.routes(), cancel_rx.describe()
    assert cancel_rx.transport == inv_rx.transport, \
        "CANCEL must be sent to the same destination/transport as the INVITE"
    return inv_rx


def _check_hop_by_hop_ack(fake, proxy, inv_rx):
    ack_rx = fake.wait_request("ACK")
    ack, inv = ack_rx.msg, inv_rx.msg
    assert ack.branch == inv.branch, \
        ("ACK for the 487 must be the proxy's hop-by-hop ACK with the INVITE's branch:\n"
         f"INVITE:\n{inv_rx.describe()}\nACK:\n{ack_rx.describe()}")
    assert len(ack.vias()) == 1, f"hop-by-hop ACK must carry only the proxy's Via:\n{ack_rx.describe()}"
    assert ack.ruri == inv.ruri, ack_rx.describe()
    assert ack.cseq == (inv.cseq[0], "ACK"), ack_rx.describe()
    final = [s for s in fake.sent if s[2].startswith(b"SIP/2.0 487")]
    assert final, "the fake never sent its 487"
    tag_487 = sipmsg.parse(final[-1][2]).to_tag
    assert ack.to_tag == tag_487, f"ACK To-tag {ack.to_tag!r} != 487 To-tag {tag_487!r}"

    helpers.barrier(proxy, fake)
    acks = fake.requests("ACK", include_retransmissions=True)
    assert len(acks) == 1, \
        ("exactly one ACK expected at the server (the proxy's own); the endpoint's ACK for the "
         f"487 must be absorbed, got {len(acks)}:\n" + "\n".join(a.describe() for a in acks))


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_sipp_cancel(transport, deploy, sipp, fake_server):
    fake = fake_server(invite=RING_FOREVER)
    proxy = deploy(server_port=fake.port)

    uac = sipp("uac_cancel.xml", remote=proxy.addr, transport=transport)
    rc = uac.wait()
    assert rc == 0, \
        f"SIPp UAC (INVITE, 180, CANCEL, 200, 487, ACK) failed (rc={rc}):\n{uac.report()}"

    inv_rx = _check_downstream_cancel(fake, proxy)
    _check_hop_by_hop_ack(fake, proxy, inv_rx)


def test_raw_client_cancel(deploy, fake_server, sip_client):
    fake = fake_server(invite=RING_FOREVER)
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)

    invite = c.request("INVITE", "sip:bob@127.0.0.1", body=sipmsg.SDP,
                       content_type="application/sdp")
    req = sipmsg.parse(invite)
    cid = req.call_id
    c.send(invite)
    c.wait_response(cid, code=180, final=False)

    cancel = sipmsg.build(f"CANCEL {req.ruri} SIP/2.0", [
        ("Via", req.lines("Via")[0]), ("Max-Forwards", "70"), ("From", req.get("From")),
        ("To", req.get("To")), ("Call-ID", cid), ("CSeq", f"{req.cseq[0]} CANCEL")])
    c.send(cancel)
    cancel_ok = c.wait_response(cid, method="CANCEL")
    assert cancel_ok.status == 200, f"CANCEL got {cancel_ok.start_line}"
    assert cancel_ok.branch == req.branch and len(cancel_ok.vias()) == 1, cancel_ok.text

    r487 = c.wait_response(cid, method="INVITE")
    assert r487.status == 487, f"INVITE after CANCEL ended with {r487.start_line}:\n{c.dump()}"
    assert len(r487.vias()) == 1 and r487.branch == req.branch, \
        f"487 must carry only the endpoint's Via:\n{r487.text}"
    c.send(c.ack_for(req, r487))

    inv_rx = _check_downstream_cancel(fake, proxy)
    _check_hop_by_hop_ack(fake, proxy, inv_rx)
