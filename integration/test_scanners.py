"""SIP scanners (sipvicious: svmap, svwar, svcrack) against a real sipproxyd.

The proxy fronts a SIP Server that demands digest authentication (the primary
of the pair, fakes/digest_server.py), with a backup member that the routing
does not choose while the primary is up, and a phone (extension 101) that has
registered through the proxy with the right password. Each scanner runs
bounded (one host and port, a few extensions, a tiny wordlist, a time limit);
then: the proxy is alive and still connects a call from the SIP Server to the
phone, no scanner request got past the challenge (none verified, every one
that reached the SIP Server answered 401/403 or, for OPTIONS, 200), and none
reached the phone or the backup member.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading

import pytest

import helpers
from fakes import sipmsg
from fakes.digest_server import DigestAuthPolicy, authorization
from fakes.registrar_server import (RegistrarPolicy, answer, register_request, server_request,
                                    wait_request)

PHONE = "101"
PASSWORD = "Phone-101-long-secret"
WORDLIST = ["123456", "password", "101", "1234", "secret"]  # not the phone's password
SCAN_TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(shutil.which("svmap") is None and not helpers.ci(),
                                reason="sipvicious not installed (apt-get install sipvicious)")


@pytest.fixture
def world(deploy, fake_server, sip_client):
    auth = DigestAuthPolicy({PHONE: PASSWORD}, inner=RegistrarPolicy(200))
    server = fake_server(on_request=auth, name="sip-server-with-auth", invite=486)
    backup = fake_server(name="backup-not-chosen")
    proxy = deploy(server_port=server.port, backup_port=backup.port)
    phone = sip_client(proxy.addr, "UDP", name="phone-101")
    contact = f"sip:{PHONE}@127.0.0.1:{phone.port}"
    first = phone.transact(register_request(phone, proxy.hostport, PHONE, contact))
    assert first.status == 401, f"the SIP Server must challenge: {first.start_line}"
    uri = f"sip:{proxy.hostport}"
    again = register_request(phone, proxy.hostport, PHONE, contact, cseq=2)
    creds = authorization(PHONE, PASSWORD, "REGISTER", uri, first.get("WWW-Authenticate"))
    again = again.replace(b"\r\nContent-Length:", f"\r\nAuthorization: {creds}\r\nContent-Length:"
                          .encode(), 1)
    ok = phone.transact(again)
    assert ok.status == 200, f"the phone's authenticated REGISTER got {ok.start_line}"
    return dict(proxy=proxy, server=server, backup=backup, phone=phone, auth=auth,
                marks=(len(phone.rx.items()), len(backup.rx.items()), len(auth.accepted)))


def run_scanner(tmp_path, argv: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(tmp_path))  # sipvicious keeps its sessions in ~/.sipvicious
    try:
        r = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=SCAN_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{argv[0]} did not finish within {SCAN_TIMEOUT}s: {e.stdout!r}")
    print(f"$ {' '.join(argv)}\n{r.stdout}\n{r.stderr}")
    return r


def common(world) -> list[str]:
    return ["-p", str(world["proxy"].proxy_port), "-P", str(helpers.free_port()),
            "-b", "127.0.0.1"]


def assert_contained(world) -> None:
    proxy, server, backup, phone, auth = (world[k] for k in
                                          ("proxy", "server", "backup", "phone", "auth"))
    phone_mark, backup_mark, accepted_mark = world["marks"]
    assert proxy.proc.poll() is None, "sipproxyd died under the scan"
    helpers.barrier(proxy, server)
    assert len(auth.accepted) == accepted_mark, "a scanner request passed digest authentication:\n" \
        + "\n".join(rx.describe() for rx in auth.accepted[accepted_mark:])
    to_phone = phone.rx.items()[phone_mark:]
    assert not to_phone, "a scanner request reached the registered phone:\n" + "\n".join(
        rx.describe() for rx in to_phone)
    to_backup = [rx for rx in backup.rx.items()[backup_mark:]]
    assert not to_backup, "a scanner request reached the SIP Server the routing did not choose:\n" \
        + "\n".join(rx.describe() for rx in to_backup)
    # The phone is still reachable: a call from the SIP Server arrives, the answer returns.
    call: dict = {}
    caller = threading.Thread(target=lambda: call.update(result=server_request(
        server, proxy.addr, "INVITE", f"sip:{PHONE}@{proxy.hostport}")), daemon=True)
    caller.start()
    got = wait_request(phone, "INVITE", start=phone_mark).msg
    assert got.ruri == f"sip:{PHONE}@127.0.0.1:{phone.port}", got.ruri
    answer(phone, got, 486)
    caller.join(timeout=15)
    assert "result" in call, "the SIP Server's INVITE to the phone got no final response"
    final = call["result"][1]
    assert final.status == 486, f"the phone's answer did not come back: {final.start_line}"


def scanner_requests(world) -> list:
    """What the scanners sent that reached the SIP Server (not the barriers, not the
    phone's own REGISTERs and not our INVITE)."""
    return [rx for rx in world["server"].rx.items()
            if rx.msg is not None and rx.msg.is_request
            and not (rx.msg.call_id or "").startswith("it-")
            and PHONE + "@127.0.0.1:" not in (rx.msg.get("Contact") or "")]


def test_svmap(world, tmp_path):
    r = run_scanner(tmp_path, ["svmap", *common(world), "127.0.0.1"])
    assert r.returncode == 0, r.stderr
    assert_contained(world)
    assert any(rx.msg.method == "OPTIONS" for rx in scanner_requests(world)), \
        "svmap's OPTIONS never reached the SIP Server (did it run?)"


@pytest.mark.parametrize("method", ["REGISTER", "INVITE"])
def test_svwar(method, world, tmp_path):
    r = run_scanner(tmp_path, ["svwar", *common(world), "-e100-105", "-m", method, "--force",
                               "--maximumtime=20", "127.0.0.1"])
    assert r.returncode == 0, r.stderr
    assert_contained(world)
    seen = [rx for rx in scanner_requests(world) if rx.msg.method == method]
    assert seen, f"svwar's {method}s never reached the SIP Server (did it run?)"
    codes = {code for code, _ in world["auth"].refused}
    assert codes <= {401, 403} and 401 in codes, codes


def test_svcrack(world, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDLIST) + "\n")
    r = run_scanner(tmp_path, ["svcrack", *common(world), "-u", PHONE, "-d", str(words),
                               "--maximumtime=20", "127.0.0.1"])
    assert r.returncode == 0, r.stderr
    assert_contained(world)
    tried = [rx for _, rx in world["auth"].refused if rx.msg.get("Authorization")]
    assert tried, "svcrack never sent credentials to the SIP Server (did it run?)"
    assert PASSWORD not in r.stdout


def test_no_open_relay_for_a_foreign_route(world, fake_server, sip_client):
    """An endpoint (unknown source) asking to reach some other host: a Route to it
    gets 403, a Request-URI naming it goes to the SIP Server (and its challenge),
    never to that host."""
    proxy, server = world["proxy"], world["server"]
    foreign = fake_server(name="foreign-host")
    c = sip_client(proxy.addr, "UDP", name="outsider")
    target = f"sip:{PHONE}@127.0.0.1:{foreign.port}"
    routed = c.request("MESSAGE", target, extra=[("Route", f"<sip:127.0.0.1:{foreign.port};lr>")])
    resp = c.transact(routed)
    assert resp.status == 403, f"Route to a foreign host: {resp.start_line}"
    direct = c.request("MESSAGE", target)
    resp = c.transact(direct)
    assert resp.status == 401, f"R-URI of a foreign host must meet the challenge: {resp.start_line}"
    server.wait_request("MESSAGE", lambda m: m.call_id == sipmsg.parse(direct).call_id)
    helpers.barrier(proxy, server)
    assert not foreign.rx.items(), "the proxy relayed to a foreign host:\n" + foreign.dump()
