"""Overload control (overload-ctrl-dialog-rate).

New INVITEs (no To tag) above N per second (token bucket, burst N) get 503
with `Retry-After: 1`, answered before routing; requests within dialogs, ACK,
CANCEL and BYE are never refused; OPTIONS addressed to the proxy answers 503
within a second of a refusal, 200 otherwise.

The burst is sent by a raw UDP client as fast as it can, with distinct
Call-IDs.  Like any UAC, it retransmits an INVITE that got no response at all
(0.5, 1, 2 s ...), and the fake SIP Server retransmits its 2xx until the ACK
(as a UAS does), so that a datagram dropped by a full socket buffer on a busy
host is not mistaken for an INVITE the proxy lost.
"""

from __future__ import annotations

import socket
import time

import ha
from fakes import sipmsg

RATE = 50
BURST = 300


def _options_to_proxy(c, proxy):
    req = c.request("OPTIONS", f"sip:{proxy.hostport}")
    return req, sipmsg.parse(req).call_id


def test_burst_of_invites_is_partly_refused_and_every_invite_answered(deploy, fake_server,
                                                                      sip_client):
    fake = fake_server(ring=False, retransmit_2xx=True)
    proxy = deploy(server_port=fake.port, proxy_extra={"overload-ctrl-dialog-rate": RATE})
    c = sip_client(proxy.addr)
    c.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)

    # A dialog set up before the burst (one token).
    dialog = ha.establish(c)
    time.sleep(1.2)   # let the bucket refill (the test asserts on counts, not times)

    invites: dict[str, bytes] = {}
    for _ in range(BURST):
        req, cid = ha.new_invite(c)
        invites[cid] = req
        c.send(req)
    # During / right after the burst: OPTIONS to the proxy, an in-dialog
    # re-INVITE and the BYE of the existing dialog.
    opt, opt_cid = _options_to_proxy(c, proxy)
    c.send(opt)
    reinvite = dialog.request("INVITE", body=sipmsg.SDP, content_type="application/sdp",
                              contact=c.contact())

    # Every INVITE gets a final response (bounded), retransmitting silent ones.
    finals: dict[str, sipmsg.SipMessage] = {}
    retransmitted = 0
    deadline = time.monotonic() + 20
    next_retx, interval = time.monotonic() + 0.5, 0.5
    while len(finals) < len(invites) and time.monotonic() < deadline:
        for m in c.responses():
            if m.call_id in invites and m.cseq_method == "INVITE" and m.status >= 200 \
                    and m.call_id not in finals:
                finals[m.call_id] = m
        if time.monotonic() >= next_retx:
            answered = {m.call_id for m in c.responses() if m.call_id in invites}
            for cid, req in invites.items():
                if cid not in answered:
                    c.send(req)
                    retransmitted += 1
            interval = min(interval * 2, 4.0)
            next_retx = time.monotonic() + interval
        time.sleep(0.05)
    missing = [cid for cid in invites if cid not in finals]
    assert not missing, \
        (f"{len(missing)} of {BURST} INVITEs got no final response within 20 s "
         f"(retransmissions sent: {retransmitted}); e.g. {missing[:3]}; provisional seen for "
         f"{sum(1 for cid in missing if c.responses(cid))} of them; the server got "
         f"{sum(1 for cid in missing if ha.got(fake, 'INVITE', cid))} of them")

    # ACK the non-2xx finals (the proxy stops retransmitting them), and the 2xx.
    for cid, final in finals.items():
        if final.status >= 300:
            c.send(c.ack_for(invites[cid], final))
        else:
            ha.Dialog(c, invites[cid], final).ack()

    refused = {cid: f for cid, f in finals.items() if f.status == 503}
    ok = {cid: f for cid, f in finals.items() if f.status == 200}
    other = {cid: f.start_line for cid, f in finals.items() if f.status not in (200, 503)}
    assert not other, f"unexpected final responses in the burst: {list(other.values())[:5]}"
    assert refused, f"no INVITE of a burst of {BURST} at rate {RATE}/s was refused"
    assert len(ok) >= RATE, \
        (f"only {len(ok)} of {BURST} INVITEs were admitted; the bucket allows a burst of "
         f"{RATE}")
    for cid, f in refused.items():
        assert f.get("Retry-After") is not None and f.get("Retry-After").strip().startswith("1"), \
            f"overload 503 without Retry-After: 1:\n{f.text}"
        assert f.to_tag and len(f.vias()) == 1, f.text
    # Refused before routing: the fake never saw them.
    leaked = [cid for cid in refused if ha.got(fake, "INVITE", cid)]
    assert not leaked, f"{len(leaked)} INVITEs answered 503 by the proxy reached the server"
    # Admitted ones reached the server.
    lost = [cid for cid in ok if not ha.got(fake, "INVITE", cid)]
    assert not lost, f"{len(lost)} INVITEs answered 200 never reached the server"

    # OPTIONS to the proxy was answered (503 while overloaded, or 200).
    o = c.wait_final(opt_cid, timeout=5)
    assert o.status in (200, 503), f"OPTIONS to the proxy during overload:\n{o.text}"
    if o.status == 503:
        assert o.get("Retry-After"), o.text
    assert not ha.got(fake, "OPTIONS", opt_cid), "OPTIONS to the proxy was forwarded"

    # The in-dialog re-INVITE was not refused.
    re_final = ha.final_for(c, reinvite)
    assert re_final.status == 200, \
        f"in-dialog re-INVITE refused during overload:\n{re_final.text}"
    dialog.ack()  # ACK for the re-INVITE (CSeq of the re-INVITE)
    # ... nor the BYE, sent while the bucket is still empty.
    bye_ok = dialog.bye()
    assert bye_ok.status == 200, f"in-dialog BYE during overload got:\n{bye_ok.text}"
    assert ha.got(fake, "BYE", dialog.call_id)


def test_options_to_proxy_503_within_a_second_of_refusal(deploy, fake_server, sip_client):
    fake = fake_server(ring=False)
    proxy = deploy(server_port=fake.port, proxy_extra={"overload-ctrl-dialog-rate": 1})
    c = sip_client(proxy.addr)

    opt, cid = _options_to_proxy(c, proxy)
    assert c.transact(opt).status == 200, "OPTIONS to the proxy before any refusal must be 200"

    _, first = ha.invite_final(c)
    # Immediately (the bucket of 1 is empty): refused, and OPTIONS says 503.
    invite, icid = ha.new_invite(c)
    opt2, cid2 = _options_to_proxy(c, proxy)
    c.send(invite)
    c.send(opt2)
    second = ha.final_for(c, invite)
    if second.status >= 300:
        c.send(c.ack_for(invite, second))
    else:
        ha.Dialog(c, invite, second).ack()
    o2 = c.wait_final(cid2)
    assert first.status == 200, first.text
    assert second.status == 503, f"second INVITE at once with rate 1/s:\n{second.text}"
    assert o2.status == 503, \
        f"OPTIONS to the proxy right after a refusal must be 503:\n{o2.text}"
    assert o2.get("Retry-After"), o2.text

    # A while later (no new refusal), OPTIONS is 200 again (bounded poll).
    deadline = time.monotonic() + 5
    while True:
        opt3, cid3 = _options_to_proxy(c, proxy)
        st = c.transact(opt3).status
        if st == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert st == 200, "OPTIONS to the proxy stays 503 although nothing was refused for > 1 s"
