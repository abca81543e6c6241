"""Registrar and MWI, as a SIPp endpoint lives them.

A SIPp UAC (scenarios/uac_register_mwi.xml) registers through the proxy (the SIP
Server answers the REGISTER: fakes/registrar_server.py), subscribes to its
message summary, and must receive the Feature Server's NOTIFY (the fake Feature
Server sends it as soon as it accepts the SUBSCRIBE: fakes/mwi_notifier.py); the
scenario checks the NOTIFY's Event, Subscription-State and body, answers it,
ends the subscription within the dialog and must receive the final NOTIFY.
SIPp's exit code and its own tally say whether all of that happened. The
Python side checks what SIPp cannot: where each request went (REGISTER to the
SIP Server, both SUBSCRIBEs to the Feature Server and none to the SIP Server),
that the proxy recorded the route (Record-Route with ;fs), and that the NOTIFYs'
200s came back to the Feature Server with the proxy's Via removed.

With the Feature Server sending no NOTIFY, the same scenario fails on its
NOTIFY timeout: the scenario's check is a real one.
"""

from __future__ import annotations

import time

import helpers
import sipp_stats
from fakes import sipmsg
from fakes.mwi_notifier import MwiNotifier
from fakes.registrar_server import RegistrarPolicy

USER = "1000"


def start(deploy, fake_server, sipp, *, notify: bool):
    sip_server = fake_server(name="sip-server", on_request=RegistrarPolicy())
    mwi = MwiNotifier(notify=notify)
    fs = fake_server(name="feature-server", on_request=mwi)
    proxy = deploy(server_port=sip_server.port,
                   sipproxy_extra={"feature-server-address": fs.address})
    uac = sipp("uac_register_mwi.xml", remote=proxy.addr, service=USER, trace_calls=True)
    return sip_server, fs, mwi, proxy, uac


def test_sipp_registers_subscribes_and_gets_the_feature_servers_notify(deploy, fake_server,
                                                                       sipp):
    sip_server, fs, mwi, proxy, uac = start(deploy, fake_server, sipp, notify=True)
    rc = uac.wait()
    stats = sipp_stats.final_stats(uac.stat_file)
    assert rc == 0, f"SIPp exit {rc}:\n{uac.report()}"
    assert sipp_stats.counter(stats, "SuccessfulCall(C)") == 1, stats

    # Where each request went.
    regs = sip_server.requests("REGISTER")
    assert regs, f"the REGISTER did not reach the SIP Server:\n{sip_server.dump()}"
    call_id = regs[0].msg.call_id
    assert regs[0].msg.get("Contact") and \
        sipmsg.uri_of(regs[0].msg.get("Contact")) == f"sip:{USER}@127.0.0.1:{uac.local_port}"
    subs = [rx for rx in fs.requests("SUBSCRIBE") if not rx.retransmission]
    assert [rx.msg.get("Expires") for rx in subs] == ["3600", "0"], fs.dump()
    assert all(rx.msg.call_id == call_id for rx in subs), fs.dump()
    assert not sip_server.requests("SUBSCRIBE"), \
        f"a message-summary SUBSCRIBE went to the SIP Server:\n{sip_server.dump()}"
    # The proxy stays on the route: Record-Route with ;fs on the initial SUBSCRIBE, and the
    # in-dialog one came back through it (its Route entry removed).
    ours = helpers.proxy_record_routes(subs[0].msg, proxy)
    assert ours and "fs" in sipmsg.uri_params(sipmsg.uri_of(ours[0])), subs[0].describe()
    assert len(subs[1].msg.vias()) == 2 and \
        (subs[1].msg.top_via.host, subs[1].msg.top_via.port) == proxy.addr, subs[1].describe()
    assert not [r for r in subs[1].msg.routes() if helpers.points_at(r, proxy.addr)], \
        subs[1].describe()

    # Both NOTIFYs were answered 200 by SIPp, back through the proxy (one Via: ours).
    assert len(mwi.sent) == 2, fs.dump()
    for data in mwi.sent:
        cseq = sipmsg.parse(data).cseq
        # SIPp may end its scenario as it sends the last 200: give it the way back.
        deadline = time.monotonic() + 5
        while True:
            resp = [rx for rx in fs.rx.items() if rx.msg is not None and rx.msg.is_response
                    and rx.msg.call_id == call_id and rx.msg.cseq == cseq]
            if resp or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        assert resp and resp[0].msg.status == 200, \
            f"no 200 for the NOTIFY (CSeq {cseq}) at the Feature Server:\n{fs.dump()}"
        assert len(resp[0].msg.vias()) == 1, resp[0].describe()


def test_sipp_mwi_scenario_fails_when_no_notify_comes(deploy, fake_server, sipp):
    sip_server, fs, mwi, proxy, uac = start(deploy, fake_server, sipp, notify=False)
    rc = uac.wait()
    stats = sipp_stats.final_stats(uac.stat_file)
    assert rc == 1, f"SIPp exit {rc} although no NOTIFY was sent:\n{uac.report()}"
    assert sipp_stats.failures_by_kind(stats) == {"FailedTimeoutOnRecv(C)": 1}, stats
    # It got as far as the NOTIFY: registered, and the SUBSCRIBE accepted by the Feature Server.
    assert sip_server.requests("REGISTER") and fs.requests("SUBSCRIBE")
    assert not mwi.sent
