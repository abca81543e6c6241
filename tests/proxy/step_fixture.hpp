// Running one request step (proxy/steps.hpp) on one request, the way tests/txn runs
// transactions: no sockets, no DNS. The world is the harness's pool: this instance
// 127.0.0.1:5060, its peer SIPProxy_2 at 127.0.0.2:5060, SIP Server pair A (primary
// 127.0.0.10:5070, backup 127.0.0.11:5070 over TCP), pair B (127.0.0.12:5070), the
// Feature Server 127.0.0.20:5090; in cluster mode, or standalone serving pair A.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "log/logger.hpp"
#include "pipeline_fixture.hpp"
#include "proxy/steps.hpp"
#include "sip/parser.hpp"

namespace sipproxy::proxy::test {

inline constexpr std::string_view common_conf = R"(oos-check = 5
oos-force = 5
feature-server-address = 127.0.0.20:5090
[SIPProxy_1]
type = sip-proxy
host = 127.0.0.1
sip-port = 5060
[SIPProxy_2]
type = sip-proxy
host = 127.0.0.2
sip-port = 5060
[SIPServer_A]
type = sip-server
primary = 127.0.0.10:5070
backup = 127.0.0.11:5070;transport=tcp
[SIPServer_B]
type = sip-server
primary = 127.0.0.12:5070
)";

inline std::string cluster_deployment() {
  return std::string(R"([sipproxy]
sipproxy-role = 0
applications = SIPServer_A, SIPServer_B
sipproxy-applications = SIPProxy_1, SIPProxy_2
)") + std::string(common_conf);
}

inline std::string standalone_deployment() {
  return std::string(R"([sipproxy]
sipproxy-role = 10
applications = SIPServer_A, SIPServer_B
serving-sipserver = SIPServer_A
sipproxy-applications = SIPProxy_1, SIPProxy_2
)") + std::string(common_conf);
}

inline const transport::peer endpoint = peer_at("127.0.0.50", 5062);
inline const transport::peer server_a = peer_at("127.0.0.10", 5070);
inline const transport::peer server_a_backup =
    peer_at("127.0.0.11", 5070, transport::protocol::tcp);
inline const transport::peer server_b = peer_at("127.0.0.12", 5070);
inline const transport::peer peer_instance = peer_at("127.0.0.2", 5060);
inline const transport::peer feature_server = peer_at("127.0.0.20", 5090);
inline const transport::peer stranger = peer_at("127.0.0.66", 5060);

// A request `method` to `ruri` from 1000@127.0.0.1 (an endpoint of this proxy), with
// `extra` header lines (each ending in CRLF) and a To tag when `to_tag` is set.
inline std::string request_text(std::string_view method, std::string_view ruri,
                                std::string_view extra = {}, std::string_view to_tag = {},
                                std::string_view call_id = "call-1") {
  std::string m;
  m.append(method).append(" ").append(ruri).append(" SIP/2.0\r\n");
  m.append("Via: SIP/2.0/UDP 127.0.0.50:5062;branch=z9hG4bK-step-1\r\n");
  m.append("Max-Forwards: 70\r\n");
  m.append("From: <sip:1000@127.0.0.1>;tag=f1\r\n");
  m.append("To: <sip:2000@127.0.0.1>");
  if (!to_tag.empty()) m.append(";tag=").append(to_tag);
  m.append("\r\nCall-ID: ").append(call_id).append("\r\n");
  m.append("CSeq: 1 ").append(method).append("\r\n");
  m.append(extra);
  m.append("Content-Length: 0\r\n\r\n");
  return m;
}

class step_test : public ::testing::Test {
 protected:
  explicit step_test(const std::string& deployment = cluster_deployment()) : world(deployment) {
    log::set_level(log::level::none);
  }

  // The request as the path has it when the step runs: received from `from`.
  void receive(const std::string& text, const transport::peer& from = endpoint) {
    auto r = sip::parse(text);
    ASSERT_TRUE(r.msg) << text;
    ctx = request_context{};
    ctx.in = r.msg;
    ctx.out = r.msg->derive();
    ctx.from = from;
    ctx.server = 1;
  }
  step_result run(step s) {
    proxy_env env = world.env();
    return s(ctx, env);
  }
  // Where the step sent it ("udp:127.0.0.10:5070"), or "(none)".
  std::string hop() const { return ctx.next_hop ? ctx.next_hop->to_string() : "(none)"; }
  const routing::server_pair& pair(std::string_view name) { return *world.servers.by_name(name); }
  routing::server_pair& mutable_pair(std::size_t index) { return world.servers.pairs()[index]; }
  // A binding of `aor` to `contact` over `flow`, held by `instance`, expiring in `secs`.
  void bind(std::string aor, std::string contact, const transport::peer& flow, int secs = 3600,
            std::string instance = "SIPProxy_1") {
    registrar::binding b;
    b.aor = std::move(aor);
    b.contact = std::move(contact);
    b.flow = flow;
    b.expires = registrar::wall_clock::now() + std::chrono::seconds(secs);
    b.instance = std::move(instance);
    b.call_id = "reg-" + b.contact;
    b.cseq = 1;
    world.bindings.put(b);
  }

  proxy_world world;
  request_context ctx;
};

class standalone_step_test : public step_test {
 protected:
  standalone_step_test() : step_test(standalone_deployment()) {}
};

}  // namespace sipproxy::proxy::test
