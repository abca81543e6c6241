"""The deployment file's [log] section (the Genesys Framework log options):
verbose, the outputs of each level, segment (rotation to
PATH.YYYYMMDD_HHMMSS_mmm), expire (how many closed segments are kept), an
unknown option stopping the daemon with 40003, the command line's --log-level
winning over verbose, and SIGHUP applying a changed verbose.  Every process is
a real sipproxyd writing real files."""

from __future__ import annotations

import re
import signal
import time

import pytest

import ha
import helpers

LOG_NAME = "SIPProxy_1.log"
SEGMENT_RE = re.compile(rf"^{re.escape(LOG_NAME)}\.\d{{8}}_\d{{6}}_\d{{3}}(_\d{{3}})?$")
DEBUG_TAG = " Dbg "
INTERACTION_TAG = " Int "


@pytest.fixture
def proxy(sipproxyd_bin, tmp_path):
    """Start sipproxyd on the standard test deployment plus a [log] section,
    with the command line's --log-level only when asked (so verbose decides)."""
    started: list[helpers.Deployment] = []

    def make(log_text: str, *, cli_level: str | None = None, **kw) -> helpers.Deployment:
        d = helpers.Deployment(sipproxyd_bin, tmp_path, extra_text="[log]\n" + log_text, **kw)
        d.log_level = cli_level
        started.append(d)
        d.start()
        return d

    yield make
    problems = []
    for d in started:
        rc = d.stop()
        if rc != 0:
            problems.append(f"{d.name}: exit code after SIGTERM was {rc!r}\n{d.report()}")
        if d.sanitizer_findings():
            problems.append(f"{d.name}: sanitizer report\n{d.report()}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _message(c, user: str = "bob"):
    req = c.request("MESSAGE", f"sip:{user}@127.0.0.1", body="log-test",
                    extra=[("Content-Type", "text/plain")])
    c.send(req)
    final = ha.final_for(c, req)
    assert final.status == 200, final.text
    return final


def _segments(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if SEGMENT_RE.match(p.name))


def test_seed_style_log_section_is_accepted(proxy, fake_server, sip_client, tmp_path):
    fake = fake_server()
    p = proxy("verbose = standard\nstandard = stderr, " + LOG_NAME + "\n"
              "time_format = ISO8601\ntime_convert = utc\n", server_port=fake.port)
    c = sip_client(p.addr)
    _message(c)
    file_text = (tmp_path / LOG_NAME).read_text()
    assert helpers.READY_EVENT in file_text, f"the standard file output lacks 40004:\n{file_text}"
    for where, text in (("file", file_text), ("stderr", p.log_text())):
        assert DEBUG_TAG not in text and INTERACTION_TAG not in text, \
            f"verbose = standard, yet the {where} output holds more than Standard:\n{text}"
    # ISO 8601 in UTC: 2026-12-05T19:00:00.000Z
    first = file_text.splitlines()[0]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", first), first


def _traffic_until(c, pred, limit: int, what: str, user: str) -> int:
    """Send MESSAGEs (long Request-URIs: long Interaction lines) until pred()."""
    for n in range(limit):
        if pred():
            return n
        _message(c, user)
    raise AssertionError(f"{limit} MESSAGEs sent and still not {what}")


def test_segment_rotates_the_file_under_the_documented_name(proxy, fake_server, sip_client,
                                                            tmp_path):
    fake = fake_server()
    p = proxy(f"verbose = interaction\nstandard = stderr\ninteraction = {LOG_NAME}\n"
              "segment = 100 KB\n", server_port=fake.port)
    c = sip_client(p.addr)
    user = "u" * 900
    _traffic_until(c, lambda: _segments(tmp_path), 2000, "rotated", user)
    segs = _segments(tmp_path)
    assert len(segs) == 1, segs
    closed = tmp_path / segs[0]
    assert 90 * 1024 < closed.stat().st_size <= 100 * 1024, closed.stat().st_size
    assert INTERACTION_TAG in closed.read_text()
    # Nothing lost at the seam: the open file continues where the closed one stopped.
    assert (tmp_path / LOG_NAME).exists()
    stamp = segs[0][len(LOG_NAME) + 1:len(LOG_NAME) + 1 + 15]
    time.strptime(stamp, "%Y%m%d_%H%M%S")  # a real date and time


def test_expire_keeps_only_the_newest_segments(proxy, fake_server, sip_client, tmp_path):
    fake = fake_server()
    p = proxy(f"verbose = interaction\nstandard = stderr\ninteraction = {LOG_NAME}\n"
              "segment = 100\nexpire = 2\n", server_port=fake.port)
    c = sip_client(p.addr)
    user = "e" * 900
    seen: set[str] = set()

    def enough() -> bool:
        seen.update(_segments(tmp_path))
        return len(seen) >= 4

    _traffic_until(c, enough, 4000, "rotated four times", user)
    kept = _segments(tmp_path)
    assert len(kept) == 2, f"expire = 2 but {len(kept)} closed segments are on disk: {kept}"
    gone = seen - set(kept)
    assert gone, f"no segment was ever deleted: seen {sorted(seen)}"
    assert max(gone) < min(kept), f"an older segment was kept over a newer one: kept {kept}, " \
                                  f"deleted {sorted(gone)}"


def test_unknown_log_option_stops_with_40003_and_the_nearest_name(sipproxyd_bin, tmp_path):
    text = helpers.render_config(proxy_port=helpers.free_port(), mgmt_port=helpers.free_port(),
                                 primary=f"127.0.0.1:{helpers.free_port()}",
                                 extra_text="[log]\nverbose = standard\nsegmnt = 10 MB\n")
    lineno = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("segmnt"))
    rc, out, cfg = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text)
    assert rc not in (None, 0), f"rc={rc!r}\n{out}"
    assert helpers.READY_EVENT not in out, out
    lines = [ln for ln in out.splitlines() if "40003" in ln]
    assert any(f"{cfg}:{lineno}" in ln and "'segment'" in ln and "segmnt" in ln
               for ln in lines), f"no 40003 line naming {cfg}:{lineno} and 'segment':\n{out}"


def test_command_line_level_overrides_verbose(proxy, fake_server, sip_client):
    fake = fake_server()
    p = proxy("verbose = standard\nall = stderr\n", cli_level="interaction",
              server_port=fake.port)
    c = sip_client(p.addr)
    _message(c)
    ha.wait_log(p, r" Int MESSAGE .* forwarded to ", timeout=5)


def _set_verbose(p: helpers.Deployment, value: str) -> None:
    p.config_text = re.sub(r"^verbose\s*=.*$", f"verbose = {value}", p.config_text,
                           count=1, flags=re.M)
    p.config_path.write_text(p.config_text)


def test_sighup_applies_a_changed_verbose(proxy, fake_server, sip_client):
    fake = fake_server()
    p = proxy("verbose = standard\nall = stderr\n", server_port=fake.port)
    c = sip_client(p.addr)
    _message(c, "before")
    assert not ha.log_lines(p, r" Int MESSAGE sip:before@"), \
        f"verbose = standard logged an Interaction line:\n{p.log_text()}"

    _set_verbose(p, "interaction")
    p.proc.send_signal(signal.SIGHUP)
    ha.wait_log(p, r"reload: \[log\] applied", timeout=5)
    _message(c, "after")
    ha.wait_log(p, r" Int MESSAGE sip:after@.* forwarded to ", timeout=5)

    _set_verbose(p, "standard")
    p.proc.send_signal(signal.SIGHUP)
    ha.wait_log(p, r"reload: \[log\] applied", timeout=5, after=1)
    _message(c, "again")
    ha.wait_log(p, r"reload of .* done", timeout=5, after=1)
    assert not ha.log_lines(p, r" Int MESSAGE sip:again@"), \
        f"verbose back to standard still logs Interaction lines:\n{p.log_text()}"
