"""What a SIPp run says about its own calls: the final row of its statistics CSV
(-trace_stat) and the lines its scenario logged for each call (-trace_logs,
`<log message="start|done [call_number] [call_id]">`).

SIPp flushes each log line as it writes it, so a test that reads the log while the
run goes on sees every line written before the read.
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass, field
from pathlib import Path


def final_stats(path: Path) -> dict[str, str]:
    """The last row of a -trace_stat CSV (';'-separated, header first): SIPp writes
    one at every -fd period and one when it exits, so after exit it is the final
    tally. Keys as SIPp names them: "TotalCallCreated", "SuccessfulCall(C)",
    "FailedCall(C)", "FailedTimeoutOnRecv(C)", ..."""
    rows = [r for r in csv.reader(path.read_text().splitlines(), delimiter=";") if r]
    if len(rows) < 2:
        raise AssertionError(f"no statistics row in {path}:\n{path.read_text()}")
    return dict(zip(rows[0], rows[-1]))


def counter(stats: dict[str, str], name: str) -> int:
    return int(stats[name])


# SIPp's failure counters (cumulative); each failed call is counted in FailedCall(C)
# and in one of these.
FAILURE_KINDS = ("FailedCannotSendMessage(C)", "FailedMaxUDPRetrans(C)", "FailedTcpConnect(C)",
                 "FailedTcpClosed(C)", "FailedUnexpectedMessage(C)", "FailedCallRejected(C)",
                 "FailedCmdNotSent(C)", "FailedRegexpDoesntMatch(C)",
                 "FailedRegexpShouldntMatch(C)", "FailedRegexpHdrNotFound(C)",
                 "FailedOutboundCongestion(C)", "FailedTimeoutOnRecv(C)",
                 "FailedTimeoutOnSend(C)")


def failures_by_kind(stats: dict[str, str]) -> dict[str, int]:
    return {k: int(stats[k]) for k in FAILURE_KINDS if k in stats and int(stats[k])}


@dataclass
class CallLog:
    """Calls by SIPp call number: their Call-ID when started, and which completed."""
    started: dict[int, str] = field(default_factory=dict)
    done: dict[int, str] = field(default_factory=dict)

    @property
    def failed_or_open(self) -> dict[int, str]:
        return {n: cid for n, cid in self.started.items() if n not in self.done}


def call_log(path: Path) -> CallLog:
    """Parse `start N CALL-ID` / `done N CALL-ID` lines (anything else is ignored,
    and so is a last line still being written)."""
    log = CallLog()
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return log
    lines = text.split("\n")
    for line in lines[:-1]:   # the last piece is "" or a line still being written
        parts = line.split()
        if len(parts) != 3 or parts[0] not in ("start", "done") or not parts[1].isdigit():
            continue
        (log.started if parts[0] == "start" else log.done)[int(parts[1])] = parts[2]
    return log


def wait_calls(uac, pred, what: str, timeout: float) -> CallLog:
    """Bounded wait until the calls a running SIPp (helpers.SippRun with
    trace_calls) has logged satisfy `pred`; fails at once if SIPp exits first."""
    deadline = time.monotonic() + timeout
    while True:
        log = call_log(uac.calls_file)
        if pred(log):
            return log
        if uac.poll() is not None:
            raise AssertionError(f"SIPp exited before {what}:\n{uac.report()}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"not {what} within {timeout}s: {len(log.started)} calls "
                                 f"started, {len(log.done)} done")
        time.sleep(0.05)


_UNEXPECTED = re.compile(r"Aborting call on unexpected message for Call-Id '[^']*': while "
                         r"expecting '[^']*' \(index \d+\), received '([^\r\n]*)")


def unexpected_messages(errors_path: Path) -> list[str]:
    """The first line of each message that made SIPp abort a call as unexpected
    (its -trace_err file), e.g. "SIP/2.0 503 Service Unavailable (...)"."""
    try:
        text = errors_path.read_text(errors="replace")
    except FileNotFoundError:
        return []
    return _UNEXPECTED.findall(text)
