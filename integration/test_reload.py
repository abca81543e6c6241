"""SIGHUP re-reads the deployment file: oos-check, oos-force,
overload-ctrl-dialog-rate, load-balancing and feature-server-address take
effect at once, each change logged as "reload: option 'X' changed"."""

from __future__ import annotations

import re
import signal

import ha
from fakes import sipmsg
from fakes.registrar_server import RegistrarPolicy
from test_mwi import register, subscribe, transact


def _rewrite(proxy, option: str, old: str | None, new: str) -> None:
    """Change `option` in the proxy's application section of its file."""
    text = proxy.config_path.read_text()
    sec = "[SIPProxy_1]\n"
    head, _, tail = text.partition(sec)
    assert _, f"no {sec.strip()} section in:\n{text}"
    line = re.compile(rf"^{re.escape(option)}\s*=.*$", re.M)
    if line.search(tail):
        tail = line.sub(f"{option} = {new}", tail, count=1)
    else:
        tail = f"{option} = {new}\n" + tail
    proxy.config_text = head + sec + tail
    proxy.config_path.write_text(proxy.config_text)


def _sighup(proxy) -> None:
    assert proxy.proc is not None and proxy.proc.poll() is None
    proxy.proc.send_signal(signal.SIGHUP)


def test_sighup_enables_overload_control(deploy, fake_server, sip_client):
    fake = fake_server(ring=False)
    proxy = deploy(server_port=fake.port, proxy_extra={"overload-ctrl-dialog-rate": 0})
    c = sip_client(proxy.addr)

    # Rate 0: no limit.
    for _ in range(3):
        _, final = ha.invite_final(c)
        assert final.status == 200, final.text

    _rewrite(proxy, "overload-ctrl-dialog-rate", "0", "1")
    _sighup(proxy)
    ha.wait_log(proxy, r"reload: option 'overload-ctrl-dialog-rate' changed", timeout=5)
    ha.wait_log(proxy, r"reload of .* done", timeout=5)

    a, a_cid = ha.new_invite(c)
    b, b_cid = ha.new_invite(c)
    c.send(a)
    c.send(b)
    fa, fb = ha.final_for(c, a), ha.final_for(c, b)
    for req, f in ((a, fa), (b, fb)):
        if f.status >= 300:
            c.send(c.ack_for(req, f))
        else:
            ha.Dialog(c, req, f).ack()
    assert fa.status == 200, f"first INVITE after the reload to rate 1/s:\n{fa.text}"
    assert fb.status == 503, \
        f"second INVITE at once after the reload to rate 1/s must be refused:\n{fb.text}"
    assert fb.get("Retry-After"), fb.text
    assert not ha.got(fake, "INVITE", b_cid), "the refused INVITE reached the server"
    assert proxy.proc.poll() is None, "the proxy exited on SIGHUP"


def test_sighup_starts_probing(deploy, fake_server, sip_client):
    """oos-check 0 -> 1 by reload: the SIP Server gets OPTIONS probes."""
    primary = fake_server(name="primary")
    backup = fake_server(name="backup")
    proxy = ha.deploy_pair(deploy, primary, backup, oos_check=0)
    c = sip_client(proxy.addr)
    _, final = ha.invite_final(c)
    assert final.status == 200, final.text
    assert not ha.probes(primary, proxy), "probes sent with oos-check = 0"

    _rewrite(proxy, "oos-check", "0", "1")
    _sighup(proxy)
    ha.wait_log(proxy, r"reload: option 'oos-check' changed", timeout=5)
    for f in (primary, backup):
        f.rx.wait_for(lambda rx, f=f: len(ha.probes(f, proxy)) >= 2, timeout=8,
                      what=f"OPTIONS probes to the {f.name} after oos-check 0 -> 1 by SIGHUP")


def test_sighup_changes_load_balancing(deploy, fake_server, sip_client):
    """load-balancing round-robin -> random by reload (logged); calls still
    spread over the local pairs only."""
    a = fake_server(name="A-dc1")
    b = fake_server(name="B-dc1")
    cc = fake_server(name="C-dc2")
    pairs = [ha.Pair("SIPServer_A", a, geo="dc1"), ha.Pair("SIPServer_B", b, geo="dc1"),
             ha.Pair("SIPServer_C", cc, geo="dc2")]
    proxy = ha.deploy_cluster(deploy, pairs,
                              proxy_extra={"oos-check": 0, "geo-location": "dc1"})
    c = sip_client(proxy.addr)

    def calls(n: int) -> list[str]:
        names = []
        for _ in range(n):
            cid, final = ha.invite_final(c)
            assert final.status == 200, final.text
            names += ha.where([a, b, cc], "INVITE", cid)
        assert len(names) == n, names
        return names

    before = calls(6)
    assert all(x != y for x, y in zip(before, before[1:])), \
        f"round-robin before the reload must alternate A/B: {before}"
    _rewrite(proxy, "load-balancing", None, "random")
    _sighup(proxy)
    ha.wait_log(proxy, r"reload: option 'load-balancing' changed", timeout=5)
    names = calls(20)
    assert cc.name not in names, f"random balancing used the dc2 pair: {names}"
    # Round-robin alternates strictly; 20 random picks over two pairs do so with
    # probability 2/2^20, so a repeat shows the choice is random now.
    assert any(x == y for x, y in zip(names, names[1:])), \
        f"after the reload to random the pairs still alternate like round-robin: {names}"
    assert a.name in names and b.name in names, f"random balancing used one pair only: {names}"


def test_sighup_moves_new_mwi_subscriptions_to_the_new_feature_server(deploy, fake_server,
                                                                      sip_client):
    """The guide: feature-server-address "Changes Take Effect: Immediately". After a
    reload that names another Feature Server, a new message-summary SUBSCRIBE goes to
    the new one and not to the old."""
    sip_server = fake_server(name="sip-server", on_request=RegistrarPolicy())
    fs_old = fake_server(name="feature-server-old")
    fs_new = fake_server(name="feature-server-new")
    proxy = deploy(server_port=sip_server.port,
                   sipproxy_extra={"feature-server-address": f"127.0.0.1:{fs_old.port}"})
    c = sip_client(proxy.addr)
    register(c, proxy)
    first = subscribe(c, proxy)
    first_cid = sipmsg.parse(first).call_id
    first_ok = transact(c, first)
    assert first_ok.status == 200, first_ok.text
    fs_old.wait_request("SUBSCRIBE", lambda m: m.call_id == first_cid, timeout=5)

    _rewrite(proxy, "feature-server-address", None, f"127.0.0.1:{fs_new.port}")
    _sighup(proxy)
    ha.wait_log(proxy, r"reload: option 'feature-server-address' changed", timeout=5)
    ha.wait_log(proxy, r"reload of .* done", timeout=5)

    second = subscribe(c, proxy)
    second_cid = sipmsg.parse(second).call_id
    ok = transact(c, second)
    assert ok.status == 200, ok.text
    fs_new.wait_request("SUBSCRIBE", lambda m: m.call_id == second_cid, timeout=5)
    assert not ha.got(fs_old, "SUBSCRIBE", second_cid), \
        f"a SUBSCRIBE after the reload went to the old Feature Server:\n{fs_old.dump()}"

    assert proxy.proc.poll() is None, "the proxy exited on SIGHUP"
