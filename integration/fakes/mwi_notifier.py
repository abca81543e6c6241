"""A Feature Server's MWI side for a FakeSipServer (RFC 3842 over RFC 6665): an
`on_request` hook that answers a SUBSCRIBE for `message-summary` with 200 (a To-tag,
its Contact, the Record-Route copied) and at once sends the NOTIFY of that
subscription in the dialog, through the route set (R-URI = the subscriber's Contact,
Route = the SUBSCRIBE's Record-Route in order, sent to the first of them):
`Subscription-State: active` with the message summary, or `terminated` for
Expires: 0.

    mwi = MwiNotifier()
    fs = fake_server(name="feature-server", on_request=mwi)
    mwi.notify = False            # answer SUBSCRIBEs but send no NOTIFY

Other requests are left to the fake's own policy. Plugs into FakeSipServer's
`on_request` hook, so fakes/sip_server.py is not changed.
"""

from __future__ import annotations

import threading

from . import sipmsg
from .net import Received

SUMMARY = "Messages-Waiting: yes\r\nMessage-Account: sip:voicemail@127.0.0.1\r\n" \
          "Voice-Message: 2/8 (0/2)\r\n"


class MwiNotifier:
    def __init__(self, notify: bool = True, body: str = SUMMARY):
        self.notify = notify
        self.body = body
        self.lock = threading.Lock()
        self.sent: list[bytes] = []         # the NOTIFYs, in order
        self._tags: dict[str, str] = {}     # Call-ID -> our tag
        self._cseq: dict[str, int] = {}     # Call-ID -> our last CSeq

    def __call__(self, server, rx: Received) -> bool:
        msg = rx.msg
        if msg is None or msg.method != "SUBSCRIBE" or \
                (msg.get("Event") or "").split(";")[0].strip() != "message-summary":
            return False
        cid = msg.call_id or ""
        with self.lock:
            tag = self._tags.setdefault(cid, msg.to_tag or sipmsg.new_tag())
            cseq = self._cseq[cid] = self._cseq.get(cid, 0) + 1
            notify = self.notify
        ok = sipmsg.response(msg, 200, to_tag=tag, copy_record_route=True,
                             extra=[("Contact", server.contact(rx.transport)),
                                    ("Expires", (msg.get("Expires") or "3600").strip())])
        with server._lock:  # noqa: SLF001 - a retransmission gets this 200 again
            server._answered[(msg.branch or "", "SUBSCRIBE")] = ok
        server._send_to(rx, ok)  # noqa: SLF001 - the hook answers like the fake itself
        if not notify:
            return True
        route = msg.record_routes()
        ending = (msg.get("Expires") or "").strip() == "0"
        state = "terminated;reason=timeout" if ending else \
            f"active;expires={(msg.get('Expires') or '3600').strip()}"
        to = msg.get("To")
        data = sipmsg.request(
            "NOTIFY", sipmsg.uri_of(msg.get("Contact")), via=server.via(rx.transport),
            call_id=cid, from_=to if msg.to_tag else f"{to};tag={tag}", to=msg.get("From"),
            cseq=cseq, contact=server.contact(rx.transport),
            extra=[("Route", r) for r in route] + [("Event", "message-summary"),
                                                   ("Subscription-State", state)],
            body=self.body, content_type="application/simple-message-summary")
        first = route[0] if route else f"<sip:{rx.src[0]}:{rx.src[1]}>"
        host, port = sipmsg.uri_hostport(sipmsg.uri_of(first))
        with self.lock:
            self.sent.append(data)
        server.send(data, (host, port or 5060), rx.transport)
        return True
