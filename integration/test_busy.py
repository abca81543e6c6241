"""Non-2xx final response (486 Busy Here): forwarded to the endpoint, ACKed by
the proxy hop by hop (same branch as the INVITE the server got), and the
endpoint's own ACK is absorbed rather than forwarded as a second ACK."""

from __future__ import annotations

import pytest

import helpers
from fakes import sipmsg

TRANSPORTS = ["UDP", "TCP"]


def _check_486_ack(fake, proxy):
    inv_rx = fake.wait_request("INVITE")
    ack_rx = fake.wait_request("ACK")
    inv, ack = inv_rx.msg, ack_rx.msg
    assert ack.branch == inv.branch, \
        ("the ACK for the 486 must be the proxy's hop-by-hop ACK with the branch of the INVITE "
         f"it sent:\nINVITE:\n{inv_rx.describe()}\nACK:\n{ack_rx.describe()}")
    assert len(ack.vias()) == 1, f"hop-by-hop ACK must carry only the proxy's Via:\n{ack_rx.describe()}"
    assert ack.ruri == inv.ruri, f"ACK Request-URI must equal the INVITE's:\n{ack_rx.describe()}"
    assert ack.cseq == (inv.cseq[0], "ACK"), ack_rx.describe()
    assert ack.call_id == inv.call_id and ack.get("From") == inv.get("From"), ack_rx.describe()
    sent_486 = [s for s in fake.sent if s[2].startswith(b"SIP/2.0 486")]
    assert sent_486, "the fake never sent its 486"
    assert ack.to_tag == sipmsg.parse(sent_486[-1][2]).to_tag, \
        f"ACK To-tag must be the 486's:\n{ack_rx.describe()}"
    assert ack_rx.transport == inv_rx.transport

    helpers.barrier(proxy, fake)
    acks = fake.requests("ACK", include_retransmissions=True)
    assert len(acks) == 1, \
        ("exactly one ACK expected at the server; the endpoint's ACK for the 486 must be "
         f"absorbed, got {len(acks)}:\n" + "\n".join(a.describe() for a in acks))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sipp_busy_to_fake_server(transport, deploy, sipp, fake_server):
    fake = fake_server(invite=486)
    proxy = deploy(server_port=fake.port)
    uac = sipp("uac_busy.xml", remote=proxy.addr, transport=transport)
    rc = uac.wait()
    assert rc == 0, f"SIPp UAC did not get its 486 (rc={rc}):\n{uac.report()}"
    _check_486_ack(fake, proxy)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sipp_busy_end_to_end(transport, deploy, sipp, port):
    server_port = port()
    if transport == "UDP":
        uas_runs = [sipp("uas_busy.xml", local_port=server_port, transport="UDP")]
        uas_runs[0].wait_listening()
    else:
        uas_runs = helpers.start_uas_any_transport(sipp, "uas_busy.xml", server_port)
    proxy = deploy(server_port=server_port)
    uac = sipp("uac_busy.xml", remote=proxy.addr, transport=transport)
    rc = uac.wait()
    assert rc == 0, f"SIPp UAC did not get its 486 (rc={rc}):\n{uac.report()}"
    uas = helpers.finish_uas_any_transport(uas_runs)
    assert uas.poll() == 0, f"SIPp UAS (486) never got the proxy's ACK:\n{uas.report()}"


def test_raw_client_busy_response(deploy, fake_server, sip_client):
    fake = fake_server(invite=486)
    proxy = deploy(server_port=fake.port)
    c = sip_client(proxy.addr)
    invite = c.request("INVITE", "sip:bob@127.0.0.1", body=sipmsg.SDP,
                       content_type="application/sdp")
    req = sipmsg.parse(invite)
    resp = c.transact(invite)  # ACKs the non-2xx final response
    assert resp.status == 486, f"expected 486 forwarded, got {resp.start_line}:\n{c.dump()}"
    assert len(resp.vias()) == 1 and resp.branch == req.branch, \
        f"486 must carry only the endpoint's Via:\n{resp.text}"
    assert resp.to_tag, f"486 lost its To-tag:\n{resp.text}"
    _check_486_ack(fake, proxy)
