"""SIP Server inactive state (503) and failover of a new request within a pair.

* A member answering OPTIONS with 503 is inactive at once: it gets no new
  dialogs, but requests within dialogs it already has (Record-Route sps=) still
  reach it.  A Retry-After on that 503 delays the next probe.
* A new INVITE that a member answers 503 is retried at the other member of the
  pair; the caller gets that member's answer.  Only when no member takes it
  does the caller get a 503 (from the proxy, with Retry-After).
"""

from __future__ import annotations

import ha


def test_options_503_makes_primary_inactive_but_keeps_its_dialogs(deploy, fake_server,
                                                                  sip_client):
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=1)
    c = sip_client(proxy.addr)

    # A dialog set up with the primary while it is active.
    dialog = ha.establish(c)
    assert ha.where([primary, backup], "INVITE", dialog.call_id) == ["primary"], \
        "the first INVITE should go to the active primary"
    primary.wait_request("ACK", lambda m: m.call_id == dialog.call_id)

    # The primary goes inactive: it answers OPTIONS with 503.
    went_inactive = ha.mark(primary)
    primary.set_policy(options=503)
    primary.rx.wait_for(lambda rx: len(ha.probes(primary, proxy, went_inactive)) >= 1,
                        timeout=5, what="an OPTIONS probe answered 503")
    ha.wait_log(proxy, r"primary 127\.0\.0\.1:%d: active -> inactive" % primary.port, timeout=5)

    # New INVITEs go to the backup only.
    for _ in range(3):
        cid, final = ha.invite_final(c)
        assert final.status == 200, f"new INVITE with the primary inactive: {final.start_line}"
        assert ha.where([primary, backup], "INVITE", cid) == ["backup"], \
            f"new INVITE {cid} must go to the backup only (primary inactive), got " \
            f"{ha.where([primary, backup], 'INVITE', cid)}"

    # In-dialog requests of the primary's dialog still go to the primary.
    p_mark, b_mark = ha.mark(primary), ha.mark(backup)
    info = dialog.request("INFO")
    info_final = ha.final_for(c, info)
    bye_ok = dialog.bye()
    got_p = [rx.msg.method for rx in primary.rx.items()[p_mark:]
             if rx.msg is not None and rx.msg.is_request and rx.msg.call_id == dialog.call_id]
    got_b = [rx for rx in backup.rx.items()[b_mark:]
             if rx.msg is not None and rx.msg.is_request and rx.msg.call_id == dialog.call_id]
    assert not got_b, \
        ("requests within the dialog set up with the (now inactive) primary were sent to the "
         "backup:\n" + "\n".join(rx.describe() for rx in got_b))
    assert "INFO" in got_p and "BYE" in got_p, \
        f"INFO and BYE within the primary's dialog must reach the primary; it got {got_p}"
    assert info_final.status == 200, info_final.text
    assert bye_ok.status == 200, bye_ok.text


def test_options_503_retry_after_delays_next_probe(deploy, fake_server, sip_client):
    """Retry-After on the OPTIONS 503: the next probe is not sent before it."""
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=1)
    primary.rx.wait_for(lambda rx: len(ha.probes(primary, proxy)) >= 1, timeout=5,
                        what="a first OPTIONS probe")

    m = ha.mark(primary)
    primary.set_policy(options=503, options_retry_after=4)
    first = primary.rx.wait_for(lambda rx: len(ha.probes(primary, proxy, m)) >= 1, timeout=5,
                                what="an OPTIONS probe (to be answered 503; Retry-After: 4)")
    ha.wait_log(proxy, r"primary 127\.0\.0\.1:%d: active -> inactive .*Retry-After 4"
                % primary.port, timeout=5)
    primary.set_policy(options=200, options_retry_after=None)
    nxt = primary.rx.wait_for(lambda rx: len(ha.probes(primary, proxy, m)) >= 2, timeout=10,
                              what="the next OPTIONS probe after the Retry-After")
    p = ha.probes(primary, proxy, m)
    gap = p[1].when - p[0].when
    # Not before Retry-After (4 s, with oos-check 1); 0.5 s slack for clocks.
    assert gap >= 3.5, (f"next probe {gap:.2f}s after the 503 with Retry-After: 4 "
                        f"(oos-check 1):\n{p[0].describe()}\n{p[1].describe()}")



def test_invite_503_from_primary_is_retried_on_backup(deploy, fake_server, sip_client):
    primary = fake_server(name="primary", invite=503, ring=False)
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=0)
    c = sip_client(proxy.addr)

    invite, cid = ha.new_invite(c)
    c.send(invite)
    final = ha.final_for(c, invite)
    if final.status >= 300:
        c.send(c.ack_for(invite, final))
    else:
        ha.Dialog(c, invite, final).ack()

    p_inv = primary.wait_request("INVITE", lambda m: m.call_id == cid)
    b_inv = backup.wait_request("INVITE", lambda m: m.call_id == cid)
    statuses = [r.status for r in c.responses(cid)]
    assert final.status == 200, \
        (f"caller got {final.start_line} (all responses: {statuses}); the INVITE answered "
         f"503 by the primary must be retried on the backup and its 200 relayed:\n{final.text}")
    assert 503 not in statuses and 500 not in statuses, \
        f"the primary's 503 leaked to the caller: {statuses}"
    assert ha.points_to(final.get("Contact"), backup), \
        f"200 should be the backup's (Contact {backup.contact()}):\n{final.text}"
    # The same request was retried: same Call-ID, From, CSeq and R-URI.
    for h in ("From", "Call-ID", "CSeq"):
        assert p_inv.msg.get(h) == b_inv.msg.get(h), \
            f"retried INVITE changed {h}:\n{p_inv.describe()}\n{b_inv.describe()}"
    assert p_inv.msg.ruri == b_inv.msg.ruri
    # The proxy ACKed the primary's 503 hop by hop.
    primary.wait_request("ACK", lambda m: m.call_id == cid)

    # The primary is now reported inactive: the next new INVITE goes straight
    # to the backup.
    cid2, final2 = ha.invite_final(c)
    assert final2.status == 200, final2.text
    assert ha.where([primary, backup], "INVITE", cid2) == ["backup"], \
        (f"after the primary answered 503 it must get no new INVITE for a while; INVITE "
         f"{cid2} reached {ha.where([primary, backup], 'INVITE', cid2)}")


def test_invite_503_from_both_members_gives_503(deploy, fake_server, sip_client):
    primary = fake_server(name="primary", invite=503, ring=False)
    backup = fake_server(name="backup", invite=503, ring=False)
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=0)
    c = sip_client(proxy.addr)

    invite, cid = ha.new_invite(c)
    c.send(invite)
    final = ha.final_for(c, invite)
    if final.status >= 300:
        c.send(c.ack_for(invite, final))
    primary.wait_request("INVITE", lambda m: m.call_id == cid)
    backup.wait_request("INVITE", lambda m: m.call_id == cid)
    assert final.status == 503, \
        f"both members answered 503: the caller must get 503, got:\n{final.text}"
    assert final.get("Retry-After"), f"503 without Retry-After:\n{final.text}"
    assert len(final.vias()) == 1 and final.to_tag, final.text


def test_undeliverable_invite_is_retried_on_backup(deploy, fake_server, sip_client, port):
    """The primary is configured over TCP at a port where nothing listens: the
    connection is refused, and the INVITE is retried on the backup."""
    dead = port()
    backup = fake_server(name="backup")
    proxy = deploy(primary=f"127.0.0.1:{dead};transport=tcp", backup_port=backup.port,
                   proxy_extra={"oos-check": 0})
    c = sip_client(proxy.addr)
    cid, final = ha.invite_final(c, timeout=10)
    statuses = [r.status for r in c.responses(cid)]
    assert final.status == 200, \
        (f"INVITE whose primary cannot be reached must be retried on the backup; caller got "
         f"{final.start_line} (responses {statuses}); backup got "
         f"{len(ha.got(backup, 'INVITE', cid))} INVITE(s)")
    assert ha.got(backup, "INVITE", cid)
    assert ha.points_to(final.get("Contact"), backup), final.text
    ha.wait_log(proxy, r"127\.0\.0\.1:%d could not be reached, trying udp:127\.0\.0\.1:%d"
                % (dead, backup.port), timeout=2)
