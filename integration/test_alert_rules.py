"""dist/sipproxy-alerts.yml, the Prometheus alerting rules for the guide's
alarms, is valid (`promtool check rules`) and fires as its unit tests say
(`promtool test rules` over dist/sipproxy-alerts.test.yml).  That the series it
names are the ones a real instance exports is checked where a pool runs:
test_pool.py (peer links) and test_pool_redis.py (shared storage)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import alert_rules

PROMTOOL = shutil.which("promtool")


@pytest.fixture(scope="module")
def promtool() -> str:
    if PROMTOOL is None:
        if os.environ.get("CI"):
            pytest.fail("promtool (Debian package prometheus) is missing", pytrace=False)
        pytest.skip("promtool (Debian package prometheus) is not installed")
    return PROMTOOL


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=alert_rules.RULES.parent, capture_output=True, text=True,
                          timeout=60)


def test_rules_are_valid(promtool):
    r = run(promtool, "check", "rules", alert_rules.RULES.name)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 9 rules found" in r.stdout, r.stdout


def test_rules_fire_as_their_unit_tests_say(promtool):
    r = run(promtool, "test", "rules", "sipproxy-alerts.test.yml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_alarm_of_the_guide_has_a_rule():
    text = alert_rules.RULES.read_text()
    # 40001 pair unavailable, 40002 peer disconnected, 40008 shared storage unavailable.
    for event in ("40001", "40002", "40008"):
        assert f'event: "{event}"' in text, f"no alert for event {event}"
    names = alert_rules.wanted()
    assert "sipproxy_sip_server_state" in names and {"pair", "state"} <= names[
        "sipproxy_sip_server_state"], names
