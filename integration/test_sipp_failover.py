"""Calls keep flowing while the primary is killed, as SIPp counts them.

A SIPp UAC (scenarios/uac_call_logged.xml) places calls at 10 a second through a
standalone proxy to an HA pair: the primary is a fake SIP Server in a process of
its own (fakes/sip_server_process.py), reached over UDP or over TCP
(`primary = HOST:PORT;transport=tcp`), the backup an in-process fake. Once 15
calls have completed, the primary is killed with SIGKILL. When the proxy has
logged it out of service, the test reads which calls SIPp had started so far,
lets SIPp place 30 more, and stops it softly (SIGUSR1: no new calls, the ones in
progress finish). Every call SIPp started after the detection must have
completed, with its INVITE and BYE at the backup and nothing at the primary;
SIPp's own tally (-trace_stat) must agree with the calls it logged.

Which calls may fail, and why:

* Over UDP a dead host says nothing. The proxy finds it out of service after 2
  unanswered OPTIONS probes (oos-check 1 s, probe deadline shortened to 300 ms);
  until then it still sends new calls there. Such an INVITE would wait for
  Timer B (32 s) before the proxy tried the backup, and a BYE (an in-dialog
  request; SIPp's retransmissions match the same server transaction) for Timer F.
  The scenario gives each answer 4 s, then counts the call failed
  (FailedTimeoutOnRecv) and CANCELs / BYEs it. So the failed calls are a subset of
  the calls started before the detection that had not completed before the kill,
  and each failed for want of an answer, never for an error response.
* Over TCP the kill closes the connection and the next connect is refused: the
  proxy knows at once, and an INVITE it could not deliver is sent to the backup
  straight away. Only transactions already with the primary when it died may
  fail: a BYE whose connection broke is answered 503 by the proxy (an in-dialog
  request is not moved to the other member), an INVITE the primary had already
  answered 100 is not retried elsewhere. So the failed calls are a subset of the
  calls in progress at the kill, and each failed on a 503 from the proxy or for
  want of an answer.

In both cases no failed call reached the backup (nothing was retried behind
SIPp's back after it had given up).
"""

from __future__ import annotations

import pytest

import ha
import helpers
import sipp_stats
from fakes.sip_server_process import SipServerProcess

RATE = 10                 # calls per second
KILL_AFTER = 15           # calls completed (on the primary) before the kill
AFTER_DETECTION = 30      # calls SIPp places after the proxy found the primary dead
MAX_CALLS = 1000          # -m: the bound if the test never stops SIPp itself
SIPP_TIMEOUT = 120        # SIPp's own global timeout (-timeout, an error when reached)


@pytest.fixture
def primary_process(tmp_path):
    member = SipServerProcess(helpers.free_port(), tmp_path / "primary.jsonl", name="primary")
    yield member.start()
    member.stop()


@pytest.mark.parametrize("member_transport", ["udp", "tcp"])
def test_sipp_calls_keep_flowing_while_primary_is_killed(member_transport, deploy, fake_server,
                                                         sipp, primary_process):
    primary = primary_process
    backup = fake_server(name="backup")
    tcp = member_transport == "tcp"
    proxy = deploy(primary=f"{primary.address}{';transport=tcp' if tcp else ''}",
                   backup_port=backup.port, proxy_extra={"oos-check": 1, "oos-force": 1},
                   timers=helpers.FAST_TIMERS)
    uac = sipp("uac_call_logged.xml", remote=proxy.addr, calls=MAX_CALLS,
               timeout_s=SIPP_TIMEOUT, trace_calls=True,
               extra=["-r", str(RATE), "-d", "200", "-cid_str", "failover-%u-%p@%s"])

    before_kill = sipp_stats.wait_calls(uac, lambda log: len(log.done) >= KILL_AFTER,
                                        f"{KILL_AFTER} calls done", timeout=30)
    primary.kill()
    # A call logs its start before its INVITE is sent, so a read after an event holds
    # every call started before it (and maybe a few after: the split is conservative).
    at_kill = sipp_stats.call_log(uac.calls_file)
    ha.wait_log(proxy, r"primary 127\.0\.0\.1:%d(;transport=tcp)?: active -> out-of-service"
                % primary.port, timeout=ha.FAILOVER_DEADLINE)
    # Every call SIPp starts from now on reaches the proxy after it logged the detection.
    at_detection = sipp_stats.call_log(uac.calls_file)
    last_before = max(at_detection.started)
    sipp_stats.wait_calls(uac, lambda log: max(log.started) >= last_before + AFTER_DETECTION,
                          f"{AFTER_DETECTION} calls started after the detection", timeout=60)
    uac.soft_stop()
    rc = uac.wait(timeout=SIPP_TIMEOUT + 10)

    calls = sipp_stats.call_log(uac.calls_file)
    stats = sipp_stats.final_stats(uac.stat_file)
    created = sipp_stats.counter(stats, "TotalCallCreated")
    ok = sipp_stats.counter(stats, "SuccessfulCall(C)")
    failed = sipp_stats.counter(stats, "FailedCall(C)")
    kinds = sipp_stats.failures_by_kind(stats)
    failed_calls = calls.failed_or_open
    in_progress = {n for n in at_kill.started if n not in before_kill.done}
    window = {n for n in at_detection.started if n not in before_kill.done}
    summary = (f"SIPp: {created} created, {ok} successful, {failed} failed {kinds}, exit {rc}; "
               f"logged: {len(calls.started)} started, {len(calls.done)} done; failed calls "
               f"{sorted(failed_calls)}; in progress at the kill {sorted(in_progress)}; started "
               f"before the detection and not done before the kill {sorted(window)}")
    print(f"[{member_transport}] {summary}")

    # SIPp's tally and the calls it logged agree: every call started ended, counted once.
    assert created == len(calls.started) and ok == len(calls.done), summary
    assert ok + failed == created, summary
    assert rc == (0 if failed == 0 else 1), summary

    # No failed call after the detection: each one completed on the backup alone.
    after = [n for n in calls.started if n > last_before]
    assert len(after) >= AFTER_DETECTION, summary
    for n in after:
        cid = calls.started[n]
        assert n in calls.done, f"call {n} ({cid}), started after the detection, failed; {summary}"
        assert ha.got(backup, "INVITE", cid) and ha.got(backup, "BYE", cid), \
            f"call {n} ({cid}) after the detection did not complete at the backup:\n{backup.dump()}"
        assert not primary.got("INVITE", cid), f"call {n} ({cid}) reached the dead primary"

    # The calls that failed, bounded (see the module's docstring).
    bound = in_progress if tcp else window
    assert set(failed_calls) <= bound, summary
    allowed = {"FailedTimeoutOnRecv(C)", "FailedUnexpectedMessage(C)"} if tcp \
        else {"FailedTimeoutOnRecv(C)"}
    assert set(kinds) <= allowed, summary
    unexpected = sipp_stats.unexpected_messages(uac.errors)
    assert len(unexpected) == kinds.get("FailedUnexpectedMessage(C)", 0), unexpected
    assert all(m.startswith("SIP/2.0 503 ") for m in unexpected), unexpected
    for n, cid in failed_calls.items():
        assert not ha.got(backup, "INVITE", cid), f"failed call {n} ({cid}) reached the backup"
    # The calls completed before the kill were the primary's.
    for n in before_kill.done:
        cid = calls.started[n]
        assert primary.got("INVITE", cid) and primary.got("BYE", cid), (n, cid, primary.dump())
        assert not ha.got(backup, "INVITE", cid), (n, cid)
