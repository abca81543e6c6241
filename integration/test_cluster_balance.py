"""Cluster mode (sipproxy-role = 0): load balancing over SIP Server pairs by
geo-location, and session affinity.

Three pairs (primary only): A and B in dc1, C in dc2; the proxy is in dc1.
* new dialogs are spread round-robin over the dc1 pairs (12 calls -> 6 / 6),
  none go to dc2;
* every request of a dialog (INVITE, ACK, BYE) reaches one server;
* a new INVITE with the Call-ID of an earlier call goes to that call's pair; so
  does an INVITE with `Replaces:` naming an earlier call;
* when no dc1 pair is available, new dialogs go to dc2 (logged);
* a new INVITE that a pair answers 503 is retried on another pair.
"""

from __future__ import annotations

import collections

import ha


def _cluster(deploy, fake_server, *, oos_check=1, proxy_geo="dc1", extra=None, **fake_kw):
    a = fake_server(name="A-dc1", **fake_kw.get("A", {}))
    b = fake_server(name="B-dc1", **fake_kw.get("B", {}))
    cc = fake_server(name="C-dc2", **fake_kw.get("C", {}))
    pairs = [ha.Pair("SIPServer_A", a, geo="dc1"), ha.Pair("SIPServer_B", b, geo="dc1"),
             ha.Pair("SIPServer_C", cc, geo="dc2")]
    opts = {"oos-check": oos_check, "oos-force": 1}
    if proxy_geo:
        opts["geo-location"] = proxy_geo
    opts.update(extra or {})
    proxy = ha.deploy_cluster(deploy, pairs, proxy_extra=opts)
    return proxy, a, b, cc


def _call(c, fakes, **kw):
    """A whole call (INVITE / 200 / ACK / BYE / 200); returns (dialog, name of
    the server that got the INVITE).  All of the dialog's requests must have
    reached that one server."""
    d = ha.establish(c, **kw)
    inv_at = ha.where(fakes, "INVITE", d.call_id)
    assert len(inv_at) == 1, f"INVITE {d.call_id} reached {inv_at}"
    server = next(f for f in fakes if f.name == inv_at[0])
    server.wait_request("ACK", lambda m: m.call_id == d.call_id)
    bye_ok = d.bye()
    assert bye_ok.status == 200, bye_ok.text
    for method in ("ACK", "BYE"):
        at = ha.where(fakes, method, d.call_id)
        assert at == [server.name], \
            f"{method} of the dialog set up with {server.name} reached {at}"
    return d, server.name


def test_round_robin_within_geo_location_and_affinity(deploy, fake_server, sip_client):
    proxy, a, b, cc = _cluster(deploy, fake_server)
    fakes = [a, b, cc]
    c = sip_client(proxy.addr)

    calls = [_call(c, fakes) for _ in range(12)]
    count = collections.Counter(name for _, name in calls)
    assert count[cc.name] == 0, f"new calls went to the dc2 pair while dc1 is available: {count}"
    assert count[a.name] == 6 and count[b.name] == 6, \
        f"round-robin over the two dc1 pairs should split 12 calls 6/6: {dict(count)}"
    # Round robin: consecutive calls alternate.
    order = [name for _, name in calls]
    assert all(order[i] != order[i + 1] for i in range(len(order) - 1)), \
        f"round-robin should alternate the dc1 pairs: {order}"

    # 12 calls so far: the balancer's next choice would be the pair of call 0
    # (the rotation is even).  Use calls that landed on the *other* pair so
    # that affinity and round-robin disagree.
    other_server = next(f for f in (a, b) if f.name != order[0])
    other = next(d for d, name in calls if name == other_server.name)

    # A new dialog with the same Call-ID: same pair.
    cid, final = ha.invite_final(c, call_id=other.call_id)
    assert final.status == 200, final.text
    invs = [f.name for f in fakes for rx in ha.got(f, "INVITE", other.call_id)]
    assert invs == [other_server.name, other_server.name], \
        (f"second INVITE with Call-ID {other.call_id} (first on {other_server.name}) "
         f"reached: {invs}")

    # INVITE with Replaces naming that call's Call-ID: same pair.
    replaces = (f"{other.call_id};to-tag={other.to_tag};from-tag={other.from_tag}")
    rcid, rfinal = ha.invite_final(c, extra=[("Replaces", replaces), ("Require", "replaces")])
    assert rfinal.status == 200, rfinal.text
    assert ha.where(fakes, "INVITE", rcid) == [other_server.name], \
        (f"INVITE with Replaces: {replaces} must go to {other_server.name} (the replaced "
         f"call's pair), went to {ha.where(fakes, 'INVITE', rcid)}")

    # Sanity for the two checks above: an unrelated new call goes where the
    # round-robin says, i.e. to the other dc1 pair.
    _, name = _call(c, fakes)
    assert name == order[0], \
        f"control call: round-robin should have chosen {order[0]}, got {name} ({order})"


def test_no_local_pair_available_uses_other_location(deploy, fake_server, sip_client):
    proxy, a, b, cc = _cluster(deploy, fake_server)
    fakes = [a, b, cc]
    c = sip_client(proxy.addr)
    for _ in range(2):
        _, name = _call(c, fakes)
        assert name != cc.name

    a.set_policy(silent=True)
    b.set_policy(silent=True)
    ha.poll_until_lands(c, cc, [a, b], ha.FAILOVER_DEADLINE)
    ha.wait_log(proxy, r"no SIP Server of geo-location 'dc1' is available; using other "
                       r"locations", timeout=2)
    for _ in range(4):
        _, name = _call(c, fakes)
        assert name == cc.name, f"dc1 pairs are out of service: new call went to {name}"

    # dc1 comes back: new calls return to it.
    a.set_policy(silent=False)
    b.set_policy(silent=False)
    ha.poll_until_lands(c, a, [b, cc], ha.RECOVERY_DEADLINE, method="INVITE")
    ha.wait_log(proxy, r"geo-location 'dc1' available again", timeout=2)


def test_invite_503_is_retried_on_another_pair(deploy, fake_server, sip_client):
    proxy, a, b, cc = _cluster(deploy, fake_server, oos_check=0,
                               A={"invite": 503, "ring": False},
                               B={"invite": 503, "ring": False})
    fakes = [a, b, cc]
    c = sip_client(proxy.addr)
    cid, final = ha.invite_final(c)
    at = ha.where(fakes, "INVITE", cid)
    assert final.status == 200, \
        (f"both dc1 pairs answered 503: the INVITE must be retried on another pair and "
         f"the caller get its 200; got {final.start_line}, INVITE reached {at}")
    assert sorted(at) == sorted([a.name, b.name, cc.name]), \
        f"the INVITE should have been tried on A and B (503) and then C: reached {at}"
    statuses = [r.status for r in c.responses(cid)]
    assert 503 not in statuses and 500 not in statuses, statuses
    assert ha.points_to(final.get("Contact"), cc), final.text
