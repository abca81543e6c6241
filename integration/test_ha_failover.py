"""Active out-of-service detection for an HA pair (standalone proxy, oos-check 1).

The pair's members are fake SIP Servers whose answering can be switched at
runtime.  Contract (lib/health/member_health.hpp): every member gets OPTIONS
every oos-check s; 2 unanswered probes in a row -> out-of-service; 2 answers in
a row (1 s apart) -> active again; out-of-service members are probed every
oos-force s.  New dialogs go to the primary while active, else the backup
while active, else 503 with Retry-After (event 40001 logged once per loss).

The order of messages in a fake's record is used to check the thresholds on
the wire (e.g. the primary had received 2 unanswered probes before the first
request was sent to the backup), never the time it took.
"""

from __future__ import annotations

import ha
import helpers
from fakes import sipmsg


def _new_requests_land_on(c, target, other, n=4, method="MESSAGE"):
    """n fresh requests: every one reaches `target`, none `other`."""
    for _ in range(n):
        req, cid = ha.new_message(c) if method == "MESSAGE" else ha.new_invite(c)
        c.send(req)
        final = ha.final_for(c, req)
        if method == "INVITE" and final.status < 300:
            ha.Dialog(c, req, final).ack()
        elif method == "INVITE":
            c.send(c.ack_for(req, final))
        assert final.status == 200, \
            f"new {method} {cid} got {final.start_line} (expected 200 via {target.name})"
        assert ha.got(target, method, cid), f"new {method} {cid} did not reach {target.name}"
        assert not ha.got(other, method, cid), \
            f"new {method} {cid} reached {other.name} as well:\n" + \
            "\n".join(rx.describe() for rx in ha.got(other, method, cid))


def test_silent_primary_fails_over_to_backup(deploy, fake_server, sip_client):
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    # Shorter probe deadline (helpers.FAST_TIMERS); the two tests below run on the
    # real timers.
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=1, timers=helpers.FAST_TIMERS)
    c = sip_client(proxy.addr)

    # While the primary answers, new requests go to it (and it is probed).
    _new_requests_land_on(c, primary, backup, n=2)
    primary.rx.wait_for(lambda rx: rx.msg is not None and ha.is_probe(rx.msg, proxy),
                        timeout=5, what="an OPTIONS probe from the proxy")
    backup.rx.wait_for(lambda rx: rx.msg is not None and ha.is_probe(rx.msg, proxy),
                       timeout=5, what="an OPTIONS probe from the proxy (backup is probed too)")

    # The primary host dies: nothing is answered any more.
    silenced_at = ha.mark(primary)
    primary.set_policy(silent=True)
    cid, sent = ha.poll_until_lands(c, backup, [primary], ha.FAILOVER_DEADLINE)

    # Fall threshold on the wire: before the first request went to the backup
    # (it was sent after the proxy had decided), the primary had received at
    # least 2 probes it did not answer.
    first_on_backup = backup.rx.items()[ha.index_of(backup, "MESSAGE", cid)]
    unanswered = [p for p in ha.probes(primary, proxy, silenced_at)
                  if p.when <= first_on_backup.when]
    assert len(unanswered) >= 2, \
        (f"the proxy switched to the backup after {len(unanswered)} unanswered probe(s) "
         f"to the primary; 2 in a row are needed:\n" + "\n".join(p.describe() for p in unanswered))
    ha.wait_log(proxy, r"SIP Server SIPServer_A primary 127\.0\.0\.1:%d: active -> out-of-service"
                % primary.port, timeout=2)

    # From now on, new calls and requests land on the backup only.
    _new_requests_land_on(c, backup, primary, n=3, method="INVITE")
    _new_requests_land_on(c, backup, primary, n=2, method="MESSAGE")
    # ... and the dead primary keeps being probed.
    n = len(ha.probes(primary, proxy, silenced_at))
    primary.rx.wait_for(lambda rx: len(ha.probes(primary, proxy, silenced_at)) > n,
                        timeout=10, what="further OPTIONS probes to the out-of-service primary")
    # Let the requests still pending towards the dead primary complete (the
    # proxy retransmits them), so that the proxy stops without draining them.
    primary.set_policy(silent=False)


def test_both_silent_gives_503_and_40001(deploy, fake_server, sip_client):
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=1, oos_force=1)
    c = sip_client(proxy.addr)
    _new_requests_land_on(c, primary, backup, n=1, method="INVITE")

    primary.set_policy(silent=True)
    backup.set_policy(silent=True)
    line = ha.wait_log(proxy, r"40001", timeout=ha.FAILOVER_DEADLINE)
    assert "SPR_SIPS_HA_PAIR_UNAVAILABLE" in line and "SIPServer_A" in line, line

    # A new INVITE is refused by the proxy itself, with Retry-After, and
    # reaches neither member.
    p_mark, b_mark = ha.mark(primary), ha.mark(backup)
    invite, cid = ha.new_invite(c)
    c.send(invite)
    final = ha.final_for(c, invite)
    c.send(c.ack_for(invite, final))
    assert final.status == 503, f"INVITE with both members out of service:\n{final.text}"
    assert final.get("Retry-After"), f"503 without Retry-After:\n{final.text}"
    assert len(final.vias()) == 1, final.text
    # MESSAGE as well (any new request).
    msg, mcid = ha.new_message(c)
    mfinal = c.transact(msg)
    assert mfinal.status == 503, f"MESSAGE with both members out of service:\n{mfinal.text}"
    for f in (primary, backup):
        leaked = [rx for rx in f.rx.items() if rx.msg is not None
                  and rx.msg.call_id in (cid, mcid)]
        assert not leaked, f"{f.name} got a request although the pair is out of service:\n" + \
            "\n".join(rx.describe() for rx in leaked)

    # Both are still probed (every oos-force = 1 s).
    for f, m in ((primary, p_mark), (backup, b_mark)):
        f.rx.wait_for(lambda rx, f=f, m=m: len(ha.probes(f, proxy, m)) >= 2, timeout=8,
                      what=f"OPTIONS probes to the out-of-service {f.name} (oos-force)")
    # 40001 was logged once for this loss.
    assert len(ha.log_lines(proxy, r"40001")) == 1, \
        "event 40001 must be logged once per loss of the pair:\n" + \
        "\n".join(ha.log_lines(proxy, r"40001"))

    # The primary comes back: the pair is available again, new calls reach it.
    primary.set_policy(silent=False)
    ha.wait_log(proxy, r"SIPServer_A .*is available again", timeout=ha.RECOVERY_DEADLINE)
    _new_requests_land_on(c, primary, backup, n=2, method="INVITE")


def test_primary_back_takes_new_dialogs_again(deploy, fake_server, sip_client):
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=1, oos_force=1)
    c = sip_client(proxy.addr)

    primary.set_policy(silent=True)
    ha.poll_until_lands(c, backup, [primary], ha.FAILOVER_DEADLINE)
    ha.wait_log(proxy, r"primary 127\.0\.0\.1:%d: active -> out-of-service" % primary.port,
                timeout=2)
    # A dialog set up on the backup while the primary is down.
    on_backup = ha.establish(c)
    assert ha.got(backup, "INVITE", on_backup.call_id)

    back_at = ha.mark(primary)
    primary.set_policy(silent=False)
    cid, _ = ha.poll_until_lands(c, primary, [backup], ha.RECOVERY_DEADLINE)

    # Rise threshold on the wire: the primary had answered 2 probes before the
    # first new request was sent back to it.
    first_back = primary.rx.items()[ha.index_of(primary, "MESSAGE", cid)]
    answered = [p for p in ha.probes(primary, proxy, back_at) if p.when < first_back.when]
    assert len(answered) >= 2, \
        (f"new requests went back to the primary after {len(answered)} answered probe(s); "
         f"2 in a row are needed:\n" + "\n".join(p.describe() for p in answered))
    ha.wait_log(proxy, r"primary 127\.0\.0\.1:%d: out-of-service -> active" % primary.port,
                timeout=2)

    _new_requests_land_on(c, primary, backup, n=3, method="INVITE")
    # The dialog set up on the backup still works (its BYE reaches a member of
    # the pair: the contract routes in-dialog requests by the pair's sps index).
    bye_ok = on_backup.bye()
    assert bye_ok.status == 200, bye_ok.text
    assert ha.where([primary, backup], "BYE", on_backup.call_id), \
        "BYE of the dialog set up on the backup reached no member of the pair"
