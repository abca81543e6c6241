"""The management port and sipproxyctl: every command in text and --json, exit
codes 0 / 1 (refused) / 2 (usage, connection), `set` of an immediate option
changing the OPTIONS probing interval, mgmt-token enforcement off loopback,
drain / undrain on the wire, 40007 when the mgmt or HTTP port is taken, and
SIGTERM while INVITE transactions are pending.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import threading
import time

import pytest

import helpers
import mgmt_util as mu
from fakes import sipmsg
from fakes.net import Received

AOR_USER = "1000"


@pytest.fixture(scope="session")
def ctl_bin():
    path = mu.ctl_binary()
    if not path.exists():
        msg = f"sipproxyctl not found at {path} (set $SIPPROXYCTL or build)"
        if helpers.ci():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return path


@pytest.fixture
def instance(deploy, fake_server, ctl_bin):
    """A proxy (oos-check 0, mgmt-port) in front of one fake SIP Server, for a test
    that changes something."""
    fake = fake_server()
    proxy = deploy(server_port=fake.port)
    return proxy, fake


@pytest.fixture
def reader(shared_proxy, ctl_bin):
    """The module's shared proxy (oos-check 0, mgmt-port) and its fake SIP Server,
    for a test that only reads: it must leave every setting as it found it."""
    proxy, fake, _ = shared_proxy
    return proxy, fake


def _registrar_hook(server, rx: Received) -> bool:
    """The fake SIP Server answers REGISTER 200 with the Contact and its expiry."""
    m = rx.msg
    if m is None or m.method != "REGISTER":
        return False
    contacts = [("Contact", f"<{sipmsg.uri_of(c)}>;expires=600") for c in m.values("Contact")]
    server._send_to(rx, sipmsg.response(m, 200, to_tag=sipmsg.new_tag(), extra=contacts))
    return True


# ---------------------------------------------------------------------------
# Every command, text and JSON
# ---------------------------------------------------------------------------

def test_status_text_and_json(reader):
    proxy, fake = reader
    t = mu.mgmt_target(proxy)
    r = mu.ctl("status", target=t)
    assert r.rc == 0, r
    assert "SIPProxy_1" in r.out and "standalone" in r.out, r
    assert "counters:" in r.out and "requests" in r.out and "alarms: none" in r.out, r

    j = mu.ctl("status", target=t, as_json=True)
    assert j.rc == 0, j
    doc = j.json()
    assert doc["ok"] is True
    assert doc["application"] == "SIPProxy_1"
    assert doc["mode"] == "standalone"
    assert doc["draining"] is False
    assert doc["alarms"] == []
    for k in ("requests", "forwarded", "answered_locally", "messages_received",
              "responses_relayed", "overload_rejected", "registrations_stored"):
        assert isinstance(doc["counters"][k], int), (k, doc["counters"])
    assert str(proxy.mgmt_port) in doc["listeners"]["mgmt"]
    assert str(proxy.proxy_port) in doc["listeners"]["sip"]

    # Counters move: an OPTIONS to the proxy is a request answered locally.
    c = mu.SipClient(proxy.addr, "UDP")
    try:
        assert mu.options_to_proxy(c, proxy).status == 200
    finally:
        c.close()
    after = mu.ctl("status", target=t, as_json=True).json()["counters"]
    assert after["requests"] >= doc["counters"]["requests"] + 1, after
    assert after["answered_locally"] >= doc["counters"]["answered_locally"] + 1, after


def test_status_found_through_config_and_app(reader):
    proxy, _ = reader
    r = mu.ctl("--config", str(proxy.config_path), "--app", "SIPProxy_1", "--json", "status")
    assert r.rc == 0, r
    assert r.json()["application"] == "SIPProxy_1"


def test_servers_text_and_json(reader):
    proxy, fake = reader
    t = mu.mgmt_target(proxy)
    r = mu.ctl("servers", target=t)
    assert r.rc == 0, r
    assert "SIPServer_A" in r.out and fake.address in r.out and "primary" in r.out, r
    assert "active" in r.out, r

    doc = mu.ctl("servers", target=t, as_json=True).json()
    assert doc["ok"] is True and doc["oos_check"] == 0
    [pair] = doc["servers"]
    assert pair["name"] == "SIPServer_A"
    assert pair["available"] is True and pair["new_dialogs_to"] == fake.address
    [member] = pair["members"]
    assert member["role"] == "primary" and member["address"] == fake.address
    assert member["state"] == "active"     # oos-check 0: taken as in service


def test_registrations_count_and_binding_after_register(deploy, fake_server, sip_client,
                                                        ctl_bin):
    fake = fake_server(on_request=_registrar_hook)
    proxy = deploy(server_port=fake.port)
    t = mu.mgmt_target(proxy)
    aor_key = f"sip:{AOR_USER}@127.0.0.1"   # as the registrar keys it: no port

    r = mu.ctl("registrations", target=t)
    assert r.rc == 0 and "0" in r.out, r
    assert mu.ctl("registrations", target=t, as_json=True).json()["count"] == 0
    empty = mu.ctl("registrations", aor_key, target=t, as_json=True).json()
    assert empty["bindings"] == []

    c = sip_client(proxy.addr, "UDP")
    contact = f"sip:{AOR_USER}@127.0.0.1:{c.port}"
    aor = f"sip:{AOR_USER}@{proxy.hostport}"
    reg = c.request("REGISTER", f"sip:{proxy.hostport}", to=f"<{aor}>",
                    from_=f"<{aor}>;tag={sipmsg.new_tag()}", contact=f"<{contact}>;expires=600")
    c.send(reg)
    final = mu.final_for(c, reg)
    assert final.status == 200, final.text

    doc = mu.wait_until(
        lambda: (d := mu.ctl("registrations", target=t, as_json=True).json())["count"] >= 1
        and d, timeout=5)
    assert doc and doc["count"] == 1, doc

    b = mu.ctl("registrations", aor_key, target=t, as_json=True)
    assert b.rc == 0, b
    bindings = b.json()["bindings"]
    assert len(bindings) == 1, b
    assert bindings[0]["aor"] == aor_key
    assert contact in bindings[0]["contact"]
    assert 0 < bindings[0]["expires_in_s"] <= 600
    txt = mu.ctl("registrations", aor_key, target=t)
    assert txt.rc == 0 and contact in txt.out and aor_key in txt.out, txt


def test_dialogs_text_and_json(reader):
    proxy, _ = reader
    t = mu.mgmt_target(proxy)
    r = mu.ctl("dialogs", target=t)
    assert r.rc == 0 and "sessions" in r.out and "transactions" in r.out, r
    doc = mu.ctl("dialogs", target=t, as_json=True).json()
    assert doc["ok"] is True
    assert set(doc["transactions"]) == {"server", "client"}
    assert isinstance(doc["sessions"], int) and isinstance(doc["requests_in_progress"], int)


def test_peers_text_and_json(reader):
    proxy, _ = reader
    t = mu.mgmt_target(proxy)
    r = mu.ctl("peers", target=t)
    assert r.rc == 0 and "no other instance" in r.out, r
    doc = mu.ctl("peers", target=t, as_json=True).json()
    assert doc["ok"] is True and doc["peers"] == []


def test_get_option_text_and_json(reader):
    proxy, _ = reader
    t = mu.mgmt_target(proxy)
    r = mu.ctl("get", "oos-check", target=t)
    assert r.rc == 0, r
    assert "oos-check = 0" in r.out and "default 5" in r.out and "0-300" in r.out, r
    assert "immediately" in r.out, r
    doc = mu.ctl("get", "sip-port", target=t, as_json=True).json()
    assert doc["option"] == "sip-port"
    assert doc["value"] == str(proxy.proxy_port)
    assert doc["default"] == "5060"
    assert doc["valid"] == "1-65535"
    assert "restart" in doc["takes_effect"]


def test_set_immediate_option_is_applied_and_logged(instance):
    proxy, _ = instance
    t = mu.mgmt_target(proxy)
    r = mu.ctl("set", "overload-ctrl-dialog-rate", "50", target=t, as_json=True)
    assert r.rc == 0, r
    assert r.json()["value"] == "50" and r.json()["previous"] == "0"
    assert mu.ctl("get", "overload-ctrl-dialog-rate", target=t,
                  as_json=True).json()["value"] == "50"
    assert mu.wait_until(lambda: "'overload-ctrl-dialog-rate' set from '0' to '50'"
                         in proxy.log_text(), timeout=3), helpers.tail(proxy.log_path)
    # The file is not written.
    assert "overload-ctrl-dialog-rate" not in proxy.config_path.read_text()


# ---------------------------------------------------------------------------
# Exit codes
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, why", [
    (["get", "no-such-option"], "unknown option"),
    (["set", "no-such-option", "1"], "unknown option"),
    (["set", "sip-port", "1"], "after restart"),
    (["set", "oos-check", "301"], "0-300"),
    (["set", "oos-check", "-1"], "0-300"),
    (["set", "load-balancing", "sticky"], "round-robin"),
    (["frobnicate"], "unknown command"),
])
def test_refused_commands_exit_1(reader, args, why):
    proxy, _ = reader
    t = mu.mgmt_target(proxy)
    r = mu.ctl(*args, target=t)
    assert r.rc == 1, r
    assert r.out.startswith("refused:") and why in r.out, r
    j = mu.ctl(*args, target=t, as_json=True)
    assert j.rc == 1, j
    doc = j.json()
    assert doc["ok"] is False and why in doc["error"], doc


def test_refused_set_leaves_value(reader):
    proxy, _ = reader
    t = mu.mgmt_target(proxy)
    assert mu.ctl("set", "sip-port", "1", target=t).rc == 1
    assert mu.ctl("get", "sip-port", target=t, as_json=True).json()["value"] == \
        str(proxy.proxy_port)
    assert mu.ctl("set", "oos-check", "301", target=t).rc == 1
    assert mu.ctl("get", "oos-check", target=t, as_json=True).json()["value"] == "0"


def _one_line_error(r: mu.CtlResult) -> None:
    assert r.rc == 2, r
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("sipproxyctl: "), r
    assert r.out == "", r


@pytest.mark.parametrize("args", [
    [],                                           # no command
    ["--target", "127.0.0.1", "status"],          # no port
    ["--target", "127.0.0.1:0", "status"],
    ["--target", "127.0.0.1:70000", "status"],
    ["--target", "nonsense", "status"],
    ["status"],                                   # no target at all
    ["--config", "/nonexistent/sipproxy.conf", "--app", "SIPProxy_1", "status"],
    ["--bogus-flag", "status"],
    ["--timeout", "0", "--target", "127.0.0.1:1", "status"],
])
def test_usage_errors_exit_2(ctl_bin, args):
    _one_line_error(mu.ctl(*args))


def test_connection_refused_exits_2(ctl_bin):
    unused = helpers.free_port()          # nothing listens there
    r = mu.ctl("status", target=f"127.0.0.1:{unused}", timeout=2)
    _one_line_error(r)
    assert f"127.0.0.1:{unused}" in r.err, r
    assert r.elapsed < 5, r


def test_silent_listener_times_out_exits_2(ctl_bin):
    """A TCP listener that accepts (backlog) but never answers: --timeout 1
    bounds the wait."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    try:
        r = mu.ctl("status", target=f"127.0.0.1:{s.getsockname()[1]}", timeout=1)
    finally:
        s.close()
    _one_line_error(r)
    assert "timed out" in r.err, r
    assert r.elapsed < 4, r


def test_help_exits_0(ctl_bin):
    r = mu.ctl("--help")
    assert r.rc == 0 and "Usage: sipproxyctl" in r.out, r


# ---------------------------------------------------------------------------
# set oos-check changes the probing interval
# ---------------------------------------------------------------------------

def test_set_oos_check_speeds_up_probing(deploy, fake_server, ctl_bin):
    fake = fake_server()
    proxy = deploy(server_port=fake.port, proxy_extra={"oos-check": 30})
    t = mu.mgmt_target(proxy)
    # Before: with oos-check 30, the startup probe (answered, so the next one is
    # 30 s away) and nothing else.
    def startup_probe_answered():
        (member,) = mu.ctl("servers", target=t, as_json=True).json()["servers"][0]["members"]
        return member["probes_answered"] >= 1
    assert mu.wait_until(startup_probe_answered, timeout=5), helpers.tail(proxy.log_path)
    before = mu.probes(fake, proxy)
    assert len(before) <= 1, f"{len(before)} probes with oos-check 30:\n{fake.dump()}"
    mark = len(fake.rx.items())

    r = mu.ctl("set", "oos-check", "1", target=t, as_json=True)
    assert r.rc == 0, r
    assert r.json()["previous"] == "30" and r.json()["value"] == "1", r
    t0 = time.monotonic()
    got = mu.wait_until(lambda: len(mu.probes(fake, proxy, start=mark)) >= 3, timeout=5.5)
    assert got, (f"after `set oos-check 1` only {len(mu.probes(fake, proxy, start=mark))} "
                 f"probes in {time.monotonic() - t0:.1f}s:\n{fake.dump()}")
    assert mu.ctl("servers", target=t, as_json=True).json()["oos_check"] == 1
    assert "option 'oos-check' set from '30' to '1'" in proxy.log_text()


# ---------------------------------------------------------------------------
# mgmt-token
# ---------------------------------------------------------------------------

def test_non_loopback_mgmt_address_without_token_refuses_to_start(sipproxyd_bin, tmp_path):
    proxy_port, mgmt_port = helpers.free_port(), helpers.free_port()
    text = helpers.render_config(
        proxy_port=proxy_port, mgmt_port=mgmt_port, primary=f"127.0.0.1:{helpers.free_port()}",
        proxy_extra={"mgmt-address": "192.0.2.77"})
    rc, out, _ = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text)
    assert rc == 1, out
    lines = [ln for ln in out.splitlines() if "40007" in ln]
    assert lines, out
    assert "mgmt-token" in lines[0], lines


TOKEN = "it-s3cret-token"


@pytest.fixture
def token_instance(deploy, fake_server, ctl_bin):
    # A configured mgmt-token is required even on loopback, so enforcement is tested
    # without any traffic off 127.0.0.0/8.
    fake = fake_server()
    proxy = deploy(server_port=fake.port, sipproxy_extra={"mgmt-token": TOKEN})
    return proxy, mu.mgmt_target(proxy)


def test_token_required_when_configured(token_instance):
    proxy, t = token_instance
    # Read-only commands need no token.
    assert mu.ctl("status", target=t).rc == 0
    # set without a token: refused, logged, not applied.
    r = mu.ctl("set", "oos-check", "2", target=t)
    assert r.rc == 1 and "mgmt-token" in r.out, r
    assert mu.wait_until(lambda: "'set' refused: no token" in proxy.log_text(), timeout=3), \
        helpers.tail(proxy.log_path)
    assert mu.ctl("get", "oos-check", target=t, as_json=True).json()["value"] == "0"
    # Wrong token: refused and logged.
    r = mu.ctl("set", "oos-check", "2", target=t, token="wrong-token")
    assert r.rc == 1 and "mgmt-token" in r.out, r
    assert mu.wait_until(lambda: "'set' refused: wrong token" in proxy.log_text(), timeout=3)
    for cmd in ("drain", "undrain"):
        r = mu.ctl(cmd, target=t)
        assert r.rc == 1, r
    assert mu.ctl("status", target=t, as_json=True).json()["draining"] is False
    # The right token (argument, environment, deployment file): accepted.
    r = mu.ctl("set", "oos-check", "2", target=t, token=TOKEN)
    assert r.rc == 0, r
    assert mu.ctl("get", "oos-check", target=t, as_json=True).json()["value"] == "2"
    r = mu.ctl("set", "oos-check", "0", target=t, env_token=TOKEN)
    assert r.rc == 0, r
    r = mu.ctl("--config", str(proxy.config_path), "--app", "SIPProxy_1", "drain")
    assert r.rc == 0, r
    r = mu.ctl("undrain", target=t, token=TOKEN)
    assert r.rc == 0, r
    assert mu.ctl("status", target=t, as_json=True).json()["draining"] is False


def _mgmt_lines(proxy, lines: list[dict]) -> list[dict]:
    """Sends request objects on one management connection; one reply each."""
    with socket.create_connection(("127.0.0.1", proxy.mgmt_port), timeout=5) as s:
        f = s.makefile("rwb")
        replies = []
        for obj in lines:
            f.write((json.dumps(obj) + "\n").encode())
            f.flush()
            replies.append(json.loads(f.readline()))
        return replies


def test_wrong_tokens_are_logged_and_lock_the_source_out(token_instance):
    """5 wrong tokens within 60 s from one address: its mutating commands are refused for
    300 s, even with the right token, with an error saying so; read-only commands still
    work. Each refusal is logged with the source address, at most 20 lines a minute."""
    proxy, t = token_instance
    guesses = _mgmt_lines(proxy, [{"cmd": "drain", "token": f"guess-{i}"} for i in range(5)])
    assert all(not r["ok"] and "mgmt-token" in r["error"] for r in guesses), guesses
    assert mu.wait_until(lambda: "locked out for 300 s" in proxy.log_text(), timeout=3), \
        helpers.tail(proxy.log_path)
    assert "'drain' refused: wrong token from 127.0.0.1" in proxy.log_text()
    r = mu.ctl("drain", target=t, token=TOKEN)
    assert r.rc == 1 and "too many wrong mgmt-token attempts from 127.0.0.1" in r.out, r
    assert mu.ctl("status", target=t, as_json=True).json()["draining"] is False
    # A flood of refusals (bounded: 200 lines) writes a bounded number of log lines.
    flood = _mgmt_lines(proxy, [{"cmd": "set", "args": ["oos-check", "2"], "token": "x"}] * 200)
    assert all(not r["ok"] for r in flood)
    assert mu.ctl("get", "oos-check", target=t, as_json=True).json()["value"] == "0"
    logged = [ln for ln in proxy.log_text().splitlines() if "refused:" in ln]
    assert 20 <= len(logged) <= 21, f"{len(logged)} refusal lines logged:\n" + "\n".join(logged)


def test_token_not_disclosed_by_read_only_commands(token_instance):
    """Read-only commands need no token off loopback, so none of them may hand
    the token out: `get mgmt-token` must not return its value."""
    proxy, t = token_instance
    r = mu.ctl("get", "mgmt-token", target=t, as_json=True)
    assert TOKEN not in r.out, (
        f"`get mgmt-token` without a token discloses it to any client of the "
        f"non-loopback mgmt port:\n{r}")


# ---------------------------------------------------------------------------
# drain / undrain
# ---------------------------------------------------------------------------

def test_drain_refuses_new_dialogs_keeps_existing(instance, sip_client):
    proxy, fake = instance
    t = mu.mgmt_target(proxy)
    c = sip_client(proxy.addr, "UDP")
    dialog = mu.establish(c)
    assert mu.options_to_proxy(c, proxy).status == 200

    r = mu.ctl("drain", target=t, as_json=True)
    assert r.rc == 0 and r.json()["draining"] is True, r
    assert mu.ctl("status", target=t, as_json=True).json()["draining"] is True
    assert "DRAINING" in mu.ctl("status", target=t).out

    # OPTIONS addressed to the proxy, from an endpoint and from the SIP Server: 503.
    resp = mu.options_to_proxy(c, proxy)
    assert resp.status == 503, resp.text
    ping = sipmsg.request("OPTIONS", f"sip:{proxy.hostport}", via=fake.via())
    cid = sipmsg.parse(ping).call_id
    fake.send(ping, proxy.addr)
    assert fake.wait_response(cid, final=True).msg.status == 503

    # A new INVITE: 503, not forwarded.
    inv, final = mu.send_invite(c)
    new_cid = sipmsg.parse(inv).call_id
    assert final.status == 503, final.text

    # A BYE in the dialog set up before the drain passes.
    bye = dialog.bye()
    fake.wait_request("BYE", lambda m: m.call_id == dialog.call_id, timeout=5)
    resp = mu.final_for(c, bye)
    assert resp.status == 200, resp.text
    assert not [rx for rx in fake.requests("INVITE") if rx.msg.call_id == new_cid], \
        "the INVITE refused while draining reached the SIP Server"

    # undrain: back to 200 and forwarding.
    r = mu.ctl("undrain", target=t, as_json=True)
    assert r.rc == 0 and r.json()["draining"] is False, r
    assert mu.options_to_proxy(c, proxy).status == 200
    inv, final = mu.send_invite(c)
    assert final.status == 200, final.text
    fake.wait_request("INVITE", lambda m: m.call_id == sipmsg.parse(inv).call_id, timeout=5)
    mu.Dialog(c, inv, final).ack()
    logs = proxy.log_text()
    assert "draining" in logs and "drain ended" in logs


# ---------------------------------------------------------------------------
# 40007: the mgmt / HTTP port cannot be bound
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["mgmt-port", "http-port"])
def test_mgmt_port_in_use_exits_40007(sipproxyd_bin, tmp_path, which):
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    try:
        proxy_port = helpers.free_port()
        mgmt_port = taken if which == "mgmt-port" else helpers.free_port()
        extra = {"http-port": taken} if which == "http-port" else None
        text = helpers.render_config(proxy_port=proxy_port, mgmt_port=mgmt_port,
                                     primary=f"127.0.0.1:{helpers.free_port()}",
                                     proxy_extra=extra)
        rc, out, _ = helpers.run_proxy_expect_exit(sipproxyd_bin, tmp_path, text)
    finally:
        blocker.close()
    assert rc == 1, out
    lines = [ln for ln in out.splitlines() if "40007" in ln]
    assert len(lines) == 1, out
    assert str(taken) in lines[0] and which in lines[0], lines


# ---------------------------------------------------------------------------
# SIGTERM while INVITE transactions are pending
# ---------------------------------------------------------------------------

ANSWER_DELAY = 1.5


def _slow_answer_hook(server, rx: Received) -> bool:
    """INVITE: 100 and 180 now, the 200 ANSWER_DELAY seconds later (so the
    proxy's transactions are pending when SIGTERM arrives)."""
    m = rx.msg
    if m is None or m.method != "INVITE" or rx.retransmission:
        return False
    tag = sipmsg.new_tag()
    contact = [("Contact", server.contact(rx.transport))]
    server._respond(rx, 100)
    server._respond(rx, 180, to_tag=tag, extra=contact, copy_rr=True)

    def answer():
        server._respond(rx, 200, to_tag=tag, extra=contact, body=sipmsg.SDP,
                        content_type="application/sdp", copy_rr=True)
    threading.Timer(ANSWER_DELAY, answer).start()
    return True


def _sipp_received_finals(run: helpers.SippRun) -> dict[str, int]:
    """Call-ID -> status of the final response to INVITE SIPp received (from
    its -trace_msg log)."""
    text = run.messages.read_text(errors="replace") if run.messages.exists() else ""
    finals: dict[str, int] = {}
    for block in text.split("-----------------------------------------------"):
        if "message received" not in block:
            continue
        body = block.split("message received", 1)[1].replace("\r\n", "\n")
        start = body.find("SIP/2.0 ")
        if start < 0:
            continue
        head = body[start:].split("\n\n", 1)[0]
        status = re.match(r"SIP/2\.0 (\d{3})", head)
        call_id = re.search(r"(?im)^(?:Call-ID|i)\s*:\s*(\S+)", head)
        cseq = re.search(r"(?im)^CSeq\s*:\s*\d+\s+(\w+)", head)
        if status and call_id and cseq and cseq.group(1).upper() == "INVITE" \
                and int(status.group(1)) >= 200:
            finals[call_id.group(1)] = int(status.group(1))
    return finals


def test_sigterm_lets_pending_invites_complete(deploy, fake_server, sipp, sip_client):
    fake = fake_server(on_request=_slow_answer_hook)
    proxy = deploy(server_port=fake.port)
    uac = sipp("uac_call.xml", remote=proxy.addr, calls=5, timeout_s=10,
               extra=["-r", "20"])
    got = mu.wait_until(lambda: len(fake.requests("INVITE")) >= 5, timeout=5, interval=0.02)
    assert got, f"the fake got {len(fake.requests('INVITE'))} INVITEs:\n{uac.report()}"
    assert proxy.proc.poll() is None
    proxy.proc.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    # The signal is handled on the event loop: wait until the drain has begun (slow
    # under the sanitizers), so the INVITE below cannot overtake it.
    assert mu.wait_until(lambda: "received: draining" in proxy.log_text(), timeout=3,
                         interval=0.01), helpers.tail(proxy.log_path)

    # While draining, a new INVITE is refused with 503.
    c = sip_client(proxy.addr, "UDP")
    inv, final = mu.send_invite(c, timeout=3)
    assert final.status == 503, final.text

    try:
        rc = proxy.proc.wait(timeout=helpers.STOP_TIMEOUT)
    except Exception:
        rc = None
    waited = time.monotonic() - t0
    assert rc == 0, f"exit {rc!r} after SIGTERM:\n{helpers.tail(proxy.log_path)}"
    assert waited < 5 + 2, f"the drain took {waited:.1f}s (bound 5 s)"
    assert "still pending" not in proxy.log_text(), helpers.tail(proxy.log_path)

    # SIPp got the 200 of every INVITE the proxy had in flight.  Its BYEs go
    # to a proxy that has exited, so the run itself ends in a timeout.
    invites = {rx.msg.call_id for rx in fake.requests("INVITE")}
    sipp_calls = {cid for cid in invites if cid != sipmsg.parse(inv).call_id}
    mu.wait_until(lambda: uac.poll() is not None
                  or all(_sipp_received_finals(uac).get(c) == 200 for c in sipp_calls),
                  timeout=15, interval=0.2)
    uac.kill()
    finals = _sipp_received_finals(uac)
    assert len(sipp_calls) >= 5
    missing = {cid: finals.get(cid) for cid in sipp_calls if finals.get(cid) != 200}
    assert not missing, (f"INVITEs pending at SIGTERM without a 200 at the UAC: {missing}\n"
                         f"{uac.report()}")
