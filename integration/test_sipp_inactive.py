"""The inactive state (OPTIONS 503), as SIPp places and ends the calls.

A standalone proxy serves an HA pair of fake SIP Servers. A first SIPp UAC
(scenarios/uac_call_held.xml) sets up 5 calls with the primary while it is
active; they stay up until the SIP Server sends an INFO in the dialog. The
primary then answers OPTIONS with 503: the proxy logs it inactive. A second SIPp
UAC (scenarios/uac_call_logged.xml) places 10 new calls: every INVITE and BYE of
them must reach the backup and none the primary. Then the primary, inactive but
alive, sends the INFO in each held call through the proxy; SIPp answers it and
hangs up: every BYE of those calls must reach the primary and none the backup.
Both SIPp runs must end with every call successful by their own tally.

The held calls wait for the INFO rather than for a pause, so that the order
(calls up, primary inactive, new calls, old calls end) is the test's, not a race
between a timer and the proxy's probe.
"""

from __future__ import annotations

import ha
import helpers
import sipp_stats

HELD = 5
NEW = 10


def wait_established(uac: helpers.SippRun, fake, calls: int, timeout: float = 15.0):
    """Bounded wait until the UAC has started `calls` calls and `fake` got the ACK of
    each (the call is up). Returns their Call-IDs by call number."""
    log = sipp_stats.wait_calls(
        uac, lambda log: len(log.started) >= calls
        and all(ha.got(fake, "ACK", cid) for cid in log.started.values()),
        f"{calls} calls up with {fake.name}", timeout=timeout)
    return dict(log.started)


def all_successful(uac: helpers.SippRun, calls: int) -> sipp_stats.CallLog:
    """SIPp's tally: `calls` created, all successful (exit code 0); and the calls it
    logged agree."""
    rc = uac.wait()
    stats = sipp_stats.final_stats(uac.stat_file)
    log = sipp_stats.call_log(uac.calls_file)
    tally = (f"{uac.name}: exit {rc}, created {stats['TotalCallCreated']}, successful "
             f"{stats['SuccessfulCall(C)']}, failed {stats['FailedCall(C)']} "
             f"{sipp_stats.failures_by_kind(stats)}")
    assert rc == 0, f"{tally}\n{uac.report()}"
    assert sipp_stats.counter(stats, "TotalCallCreated") == calls, tally
    assert sipp_stats.counter(stats, "SuccessfulCall(C)") == calls, tally
    assert sipp_stats.counter(stats, "FailedCall(C)") == 0, tally
    assert len(log.started) == calls and log.done == log.started, tally
    return log


def test_sipp_inactive_primary_new_calls_to_backup_old_calls_end_on_primary(
        deploy, fake_server, sipp):
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=1)

    held = sipp("uac_call_held.xml", remote=proxy.addr, calls=HELD, timeout_s=60,
                trace_calls=True, extra=["-r", "10", "-cid_str", "held-%u-%p@%s"])
    held_calls = wait_established(held, primary, HELD)
    for n, cid in held_calls.items():
        assert ha.where([primary, backup], "INVITE", cid) == ["primary"], \
            f"held call {n} ({cid}) was set up while the primary was active"

    primary.set_policy(options=503)
    ha.wait_log(proxy, r"primary 127\.0\.0\.1:%d: active -> inactive" % primary.port,
                timeout=10)

    new = sipp("uac_call_logged.xml", remote=proxy.addr, calls=NEW, timeout_s=30,
               trace_calls=True, extra=["-r", "10", "-d", "100", "-cid_str", "new-%u-%p@%s"])
    new_calls = all_successful(new, NEW)
    for n, cid in new_calls.started.items():
        for method in ("INVITE", "BYE"):
            assert ha.where([primary, backup], method, cid) == ["backup"], \
                (f"new call {n} ({cid}) with the primary inactive: its {method} went to "
                 f"{ha.where([primary, backup], method, cid)}, not the backup only")

    # The primary, inactive but alive, ends its calls: SIPp answers the INFO and hangs up.
    for n, cid in held_calls.items():
        ok = ha.server_in_dialog(primary, proxy, cid, "INFO")
        assert ok.status == 200, f"INFO to held call {n} ({cid}): {ok.start_line}"
    all_successful(held, HELD)
    for n, cid in held_calls.items():
        assert ha.where([primary, backup], "BYE", cid) == ["primary"], \
            (f"the BYE of call {n} ({cid}), set up with the primary before it went inactive, "
             f"went to {ha.where([primary, backup], 'BYE', cid)}, not the primary only")
        assert not [rx for rx in backup.rx.items()
                    if rx.msg is not None and rx.msg.call_id == cid], \
            f"something of held call {n} ({cid}) reached the backup:\n{backup.dump()}"
    # Still inactive all along: the held calls' BYEs were not answered by a primary
    # that had come back.
    assert "inactive -> active" not in proxy.log_text()
