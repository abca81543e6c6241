"""contact-address differing from the Via host: the guide's "SIP Proxy DNS-A
name using the host:port format", the name that reaches every instance of the
pool (the SIP Server's external-contact).  A real sipproxyd on 127.0.0.1 with
contact-address = a name and port of its own (that resolve nowhere here):

* the proxy's Via is its own host and SIP port; its Record-Route is the
  contact-address host and port (so that in-dialog requests may reach any
  instance); the endpoint's Contact passes unchanged (a proxy writes none);
* an in-dialog BYE whose Route is that Record-Route is taken as addressed to
  the proxy (the name is never looked up) and reaches the SIP Server;
* an OPTIONS to the contact-address URI is answered by the proxy itself.
"""

from __future__ import annotations

import re

import ha
import helpers
from fakes import sipmsg

POOL_NAME = "sipproxy-pool.invalid"
POOL_PORT = 5999


def _deploy(deploy, fake_server):
    fake = fake_server()
    proxy_port = helpers.free_port()
    text = helpers.render_config(proxy_port=proxy_port, mgmt_port=helpers.free_port(),
                                 primary=f"127.0.0.1:{fake.port}")
    text = re.sub(r"^contact-address = .*$", f"contact-address = {POOL_NAME}:{POOL_PORT}",
                  text, count=1, flags=re.M)
    proxy = deploy(proxy_port=proxy_port, config_text=text)
    return fake, proxy


def test_record_route_carries_contact_address_and_via_the_host(deploy, fake_server,
                                                               sip_client):
    fake, proxy = _deploy(deploy, fake_server)
    c = sip_client(proxy.addr)
    invite, cid = ha.new_invite(c)
    sent_contact = sipmsg.parse(invite).get("Contact")
    c.send(invite)
    ok = ha.final_for(c, invite)
    assert ok.status == 200, ok.text
    d = ha.Dialog(c, invite, ok)
    d.ack()

    at = fake.wait_request("INVITE", lambda m: m.call_id == cid, timeout=5)
    m = at.msg
    assert (m.top_via.host, m.top_via.port) == proxy.addr, at.describe()
    rr = m.record_routes()
    assert len(rr) == 1, at.describe()
    host, port = sipmsg.uri_hostport(sipmsg.uri_of(rr[0]))
    assert (host, port) == (POOL_NAME, POOL_PORT), \
        f"the Record-Route should be the contact-address:\n{at.describe()}"
    assert "lr" in sipmsg.uri_params(sipmsg.uri_of(rr[0])), rr
    assert m.get("Contact") == sent_contact, at.describe()
    assert ok.record_routes() == rr, ok.text

    # The BYE's Route is the contact-address: the proxy takes it as its own, removes it,
    # and sends the BYE to the recorded SIP Server (never to the name).
    bye_ok = d.bye()
    assert bye_ok.status == 200, bye_ok.text
    at_bye = fake.wait_request("BYE", lambda m: m.call_id == cid, timeout=5)
    assert not at_bye.msg.routes(), \
        f"the proxy's own Route (contact-address) was not removed:\n{at_bye.describe()}"
    assert "40005" not in proxy.log_text(), helpers.tail(proxy.log_path)


def test_options_to_contact_address_is_answered_by_the_proxy(deploy, fake_server, sip_client):
    fake, proxy = _deploy(deploy, fake_server)
    c = sip_client(proxy.addr)
    data = c.request("OPTIONS", f"sip:{POOL_NAME}:{POOL_PORT}")
    cid = sipmsg.parse(data).call_id
    c.send(data)
    resp = c.wait_response(cid, method="OPTIONS", timeout=5)
    assert resp.status == 200, resp.text
    helpers.barrier(proxy, fake)
    assert not ha.got(fake, "OPTIONS", cid), \
        f"the OPTIONS to the contact-address was forwarded:\n{fake.dump()}"
