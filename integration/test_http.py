"""The HTTP interface on http-port: GET /healthz (200 serving, 503 draining or
with no SIP Server available), GET /status (JSON with "servers"), GET /metrics
(Prometheus text, counters moving after a SIPp run), read-only (405), 404 for
other paths, and an oversized header neither answered 200 nor fatal.  GET /, the
HTML status page, is tested in a browser in test_status_page.py.
"""

from __future__ import annotations

import json

import pytest

import helpers
import mgmt_util as mu


@pytest.fixture
def http_instance(deploy, fake_server):
    """oos-check 0, an http-port and a mgmt-port, one fake SIP Server: for the tests
    that change something or count from the start (the read-only ones share
    conftest's shared_proxy, set up the same way)."""
    fake = fake_server()
    http_port = helpers.free_port()
    proxy = deploy(server_port=fake.port, proxy_extra={"http-port": http_port})
    return proxy, fake, http_port


def test_healthz_serving_then_draining(http_instance):
    proxy, _, hp = http_instance
    r = mu.http(hp, "/healthz")
    assert r.status == 200, r.raw
    assert r.body.strip() == "serving"
    if mu.ctl_binary().exists() or helpers.ci():
        assert mu.ctl("drain", target=mu.mgmt_target(proxy)).rc == 0
        r = mu.http(hp, "/healthz")
        assert r.status == 503, r.raw
        assert mu.metrics(hp).value("sipproxy_draining") == 1
        assert mu.ctl("undrain", target=mu.mgmt_target(proxy)).rc == 0
        assert mu.http(hp, "/healthz").status == 200
        assert mu.metrics(hp).value("sipproxy_draining") == 0
    else:
        pytest.skip("sipproxyctl not built: drain part not run")


def test_healthz_503_when_only_pair_out_of_service(deploy, fake_server):
    fake = fake_server(silent=True)
    hp = helpers.free_port()
    # Shorter probe deadline (helpers.FAST_TIMERS); test_ha_failover.py has the
    # real one.
    proxy = deploy(server_port=fake.port,
                   proxy_extra={"http-port": hp, "oos-check": 1, "oos-force": 1},
                   timers=helpers.FAST_TIMERS)
    got = mu.wait_until(lambda: mu.http(hp, "/healthz").status == 503, timeout=8, interval=0.2)
    assert got, f"/healthz still {mu.http(hp, '/healthz').status} with a silent server:\n" \
                f"{helpers.tail(proxy.log_path)}"
    doc = json.loads(mu.http(hp, "/status").body)
    assert any(a.startswith("40001") for a in doc["alarms"]), doc["alarms"]
    assert doc["servers"][0]["available"] is False
    m = mu.metrics(hp)
    assert m.value("sipproxy_sip_server_state", pair="SIPServer_A", role="primary",
                   state="out-of-service") == 1
    assert m.value("sipproxy_sip_server_state", pair="SIPServer_A", role="primary",
                   state="active") == 0
    # The server answers again: serving again (2 answered probes).
    fake.set_policy(silent=False)
    got = mu.wait_until(lambda: mu.http(hp, "/healthz").status == 200, timeout=10, interval=0.2)
    assert got, helpers.tail(proxy.log_path)


def test_status_json_has_servers(shared_proxy):
    proxy, fake, hp = shared_proxy
    r = mu.http(hp, "/status")
    assert r.status == 200, r.raw
    assert r.headers.get("content-type", "").startswith("application/json"), r.headers
    doc = json.loads(r.body)
    assert doc["application"] == "SIPProxy_1"
    assert doc["mode"] == "standalone"
    assert "counters" in doc and "alarms" in doc
    [pair] = doc["servers"]
    assert pair["name"] == "SIPServer_A"
    assert [m["address"] for m in pair["members"]] == [fake.address]
    # The query string is ignored.
    assert mu.http(hp, "/status?pretty=1").status == 200


def test_metrics_format_and_gauges_from_start(http_instance):
    _, fake, hp = http_instance
    m = mu.metrics(hp)            # parses every line strictly
    for name, typ in [("sipproxy_requests_received_total", "counter"),
                      ("sipproxy_responses_sent_total", "counter"),
                      ("sipproxy_transactions", "gauge"),
                      ("sipproxy_registrations", "gauge"),
                      ("sipproxy_sessions", "gauge"),
                      ("sipproxy_overload_rejected_total", "counter"),
                      ("sipproxy_transactions_refused_total", "counter"),
                      ("sipproxy_sip_server_state", "gauge"),
                      ("sipproxy_request_duration_seconds", "histogram")]:
        assert m.types.get(name) == typ, (name, m.types.get(name))
        assert name in m.help
    assert m.value("sipproxy_requests_received_total", method="INVITE") == 0
    assert m.value("sipproxy_responses_sent_total", **{"class": "2xx"}) == 0
    # Server state gauges are present from the start: one per state, one is 1.
    states = m.all("sipproxy_sip_server_state")
    assert {lb["state"] for lb, _ in states} == {"active", "inactive", "out-of-service"}
    assert sum(v for _, v in states) == 1
    assert m.value("sipproxy_sip_server_state", address=fake.address, state="active") == 1
    assert m.value("sipproxy_request_duration_seconds_count") == 0


def test_metrics_move_after_sipp_calls(http_instance, sipp):
    proxy, fake, hp = http_instance
    before = mu.metrics(hp)
    uac = sipp("uac_call.xml", remote=proxy.addr, calls=5, extra=["-r", "10"])
    rc = uac.wait()
    assert rc == 0, uac.report()
    assert len(fake.requests("INVITE")) == 5 and len(fake.requests("BYE")) == 5

    after = mu.metrics(hp)

    def delta(name, **lb):
        return after.value(name, **lb) - before.value(name, **lb)

    assert delta("sipproxy_requests_received_total", method="INVITE") >= 5
    assert delta("sipproxy_requests_received_total", method="ACK") >= 5
    assert delta("sipproxy_requests_received_total", method="BYE") >= 5
    assert delta("sipproxy_responses_sent_total", **{"class": "2xx"}) >= 10
    assert delta("sipproxy_responses_sent_total", **{"class": "1xx"}) >= 5
    assert delta("sipproxy_requests_forwarded_total") >= 10     # INVITE + BYE (ACKs: relayed)
    assert delta("sipproxy_messages_received_total") >= 25
    assert delta("sipproxy_request_duration_seconds_count") >= 5
    assert after.value("sipproxy_request_duration_seconds_sum") > 0
    # Histogram: cumulative buckets, +Inf equals the count.
    buckets = after.all("sipproxy_request_duration_seconds_bucket")
    values = [v for _, v in buckets]
    assert values == sorted(values), buckets
    assert buckets[-1][0]["le"] == "+Inf"
    assert buckets[-1][1] == after.value("sipproxy_request_duration_seconds_count")
    les = [float(lb["le"]) for lb, _ in buckets[:-1]]
    assert les == sorted(les) and len(set(les)) == len(les), les


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_write_methods_405(shared_proxy, method):
    _, _, hp = shared_proxy
    r = mu.http(hp, "/status", method=method)
    assert r.status == 405, r.raw
    assert mu.http(hp, "/healthz").status == 200


@pytest.mark.parametrize("path", ["/nope", "/index.html", "/metrics/x", "/statusx"])
def test_unknown_path_404(shared_proxy, path):
    _, _, hp = shared_proxy
    r = mu.http(hp, path)
    assert r.status == 404, r.raw


def test_oversized_header_rejected_and_still_serving(shared_proxy):
    proxy, _, hp = shared_proxy
    big = "X-Big: " + "a" * 10240 + "\r\n"
    r = mu.http(hp, "/status", extra_headers=big)
    assert r.status in (400, 431, None), f"10 KB header answered {r.status}:\n{r.raw[:300]!r}"
    assert mu.http(hp, "/healthz").status == 200
    assert proxy.proc.poll() is None


def test_garbage_request_then_still_serving(shared_proxy):
    _, _, hp = shared_proxy
    r = mu.http_raw(hp, b"\x00\x01GARBAGE\r\n\r\n")
    assert r.status in (400, None), r.raw
    assert mu.http(hp, "/healthz").status == 200
