#!/usr/bin/python3
"""Writes the seed corpus of the request_path fuzz target (tests/fuzz/corpus/request_path/):
SIP flows as scripts of events, in the input format of request_path_fuzz.cpp."""
import pathlib
import struct

OUT = pathlib.Path(__file__).parent / "corpus" / "request_path"

EP_UDP, EP_TCP, SERVER, PEER, STRANGER, ANSWER, ADVANCE, RECORD, DRAIN = range(9)
STANDALONE, CLUSTER = 0, 1


def msg(op, text):
    data = text.replace("\n", "\r\n").encode()
    return bytes([op]) + struct.pack("<H", len(data)) + data


def answer(status, back=0, forged=False, extra=""):
    data = extra.encode()
    return bytes([ANSWER, back]) + struct.pack("<H", status - 100) + bytes([1 if forged else 0]) + \
        struct.pack("<H", len(data)) + data


def advance(ms):
    return bytes([ADVANCE, min(255, ms // 50)])


def record(text):
    data = text.encode()
    return bytes([RECORD]) + struct.pack("<H", len(data)) + data


def request(method, ruri, via="SIP/2.0/UDP 127.0.0.50:5062;branch=z9hG4bK-1;rport", cseq=1,
            to_tag="", extra="", call_id="c1@127.0.0.50", body=""):
    to = "<sip:bob@example.com>" + (f";tag={to_tag}" if to_tag else "")
    return (f"{method} {ruri} SIP/2.0\nVia: {via}\nMax-Forwards: 70\n"
            f"From: <sip:alice@example.com>;tag=a1\nTo: {to}\nCall-ID: {call_id}\n"
            f"CSeq: {cseq} {method}\nContact: <sip:alice@127.0.0.50:5062>\n{extra}"
            f"Content-Length: {len(body)}\n\n{body}")


SDP = "v=0\no=- 1 1 IN IP4 127.0.0.50\ns=-\nc=IN IP4 127.0.0.50\nt=0 0\nm=audio 4000 RTP/AVP 0\n"

seeds = {
    "invite-call": [
        msg(EP_UDP, request("INVITE", "sip:bob@127.0.0.1", body=SDP,
                            extra="Content-Type: application/sdp\n")),
        answer(180), answer(200),
        msg(EP_UDP, request("ACK", "sip:bob@127.0.0.10:5070", cseq=1, to_tag="fz",
                            via="SIP/2.0/UDP 127.0.0.50:5062;branch=z9hG4bK-2",
                            extra="Route: <sip:127.0.0.1:5060;lr>\n")),
        msg(EP_UDP, request("BYE", "sip:bob@127.0.0.10:5070", cseq=2, to_tag="fz",
                            via="SIP/2.0/UDP 127.0.0.50:5062;branch=z9hG4bK-3",
                            extra="Route: <sip:127.0.0.1:5060;lr>\n")),
        answer(200), advance(5000),
    ],
    "invite-cancel": [
        msg(EP_UDP, request("INVITE", "sip:bob@127.0.0.1")), answer(180),
        msg(EP_UDP, request("CANCEL", "sip:bob@127.0.0.1")), answer(200), answer(487, back=1),
        advance(12000),
    ],
    "invite-timeout-failover": [
        msg(EP_UDP, request("INVITE", "sip:bob@127.0.0.1")), advance(12000), answer(503, back=0),
        advance(12000),
    ],
    "register-then-call": [
        msg(EP_UDP, request("REGISTER", "sip:127.0.0.1", extra="Expires: 3600\n")), answer(200),
        msg(SERVER, request("INVITE", "sip:alice@127.0.0.50:5062",
                            via="SIP/2.0/UDP 127.0.0.10:5070;branch=z9hG4bK-s1",
                            call_id="s1@127.0.0.10")),
        answer(180), answer(200), advance(2000),
    ],
    "register-tcp-unregister": [
        msg(EP_TCP, request("REGISTER", "sip:127.0.0.1", extra="Expires: 60\n",
                            via="SIP/2.0/TCP 127.0.0.51:40000;branch=z9hG4bK-t1")), answer(200),
        msg(EP_TCP, request("REGISTER", "sip:127.0.0.1", cseq=2, extra="Expires: 0\n",
                            via="SIP/2.0/TCP 127.0.0.51:40000;branch=z9hG4bK-t2")), answer(200),
    ],
    "subscribe-mwi": [
        msg(EP_UDP, request("SUBSCRIBE", "sip:alice@127.0.0.1",
                            extra="Event: message-summary\nExpires: 3600\n")), answer(200),
        msg(EP_UDP, request("SUBSCRIBE", "sip:alice@127.0.0.1", cseq=2, to_tag="fz",
                            extra="Event: message-summary\nExpires: 0\n")), answer(200),
    ],
    "options-to-proxy": [
        msg(EP_UDP, request("OPTIONS", "sip:127.0.0.1:5060", extra="Max-Forwards: 0\n")),
        msg(STRANGER, request("OPTIONS", "sip:127.0.0.1:5060")),
    ],
    "probe-forged-503": [
        advance(5000), answer(503, forged=True, extra="Retry-After: 86400"), advance(5000),
        msg(EP_UDP, request("INVITE", "sip:bob@127.0.0.1")), answer(200),
    ],
    "stray-responses": [
        msg(STRANGER, "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\n"
            "Via: SIP/2.0/UDP 198.51.100.7:9;branch=z9hG4bKy\nFrom: <sip:a@b>;tag=1\n"
            "To: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n"),
    ],
    "route-own-params": [
        msg(EP_UDP, request("INVITE", "sip:bob@198.51.100.7:5080",
                            extra="Route: <sip:127.0.0.1:5060;lr;fs;dn=1000;ss=0>\n")),
        msg(EP_UDP, request("MESSAGE", "sip:127.0.0.1:5060;lr;fs", cseq=2,
                            extra="Route: <sip:198.51.100.7:5080;lr>\n")),
    ],
    "peer-record-and-in-dialog": [
        record('{"k":"b","a":"sip:carol@example.com","c":"sip:carol@127.0.0.52:5064",'
               '"t":1,"o":"SIPProxy_2","x":9999999999999,"p":"udp",'
               '"h":"127.0.0.52","n":5064,"i":"SIPProxy_2","ci":"r1","cs":1}'),
        record('{"k":"s","a":"s9@127.0.0.10","t":1,"o":"SIPProxy_2","x":9999999999999,'
               '"s":"SIPServer_B"}'),
        msg(SERVER, request("INVITE", "sip:carol@example.com",
                            via="SIP/2.0/UDP 127.0.0.10:5070;branch=z9hG4bK-s2",
                            call_id="s2@127.0.0.10")),
        msg(PEER, request("BYE", "sip:alice@127.0.0.50:5062", to_tag="x",
                          via="SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK-p1")),
    ],
    "draining": [
        bytes([DRAIN, 1]), msg(EP_UDP, request("INVITE", "sip:bob@127.0.0.1")),
        msg(EP_UDP, request("BYE", "sip:bob@127.0.0.1", to_tag="t", cseq=3)),
    ],
}

OUT.mkdir(parents=True, exist_ok=True)
for name, ops in seeds.items():
    for mode, suffix in ((STANDALONE, "standalone"), (CLUSTER, "cluster")):
        (OUT / f"{name}-{suffix}").write_bytes(bytes([mode]) + b"".join(ops))
print(f"{2 * len(seeds)} seeds in {OUT}")
