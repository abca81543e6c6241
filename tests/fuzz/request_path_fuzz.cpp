// libFuzzer target: the request path itself. One input is a script of events that a
// whole proxy instance (transaction layer, proxy core, registrar, health prober, the
// replicated stores) lives through in-process, with a recording transport and a manual
// clock: messages from endpoints (UDP and TCP), from a SIP Server, from a pool peer and
// from a stranger; answers to whatever the proxy sent, from where it was sent or from
// elsewhere; replicated records from a peer; time passing; drain.
//
// Besides crashes, leaks and undefined behaviour, it checks what the proxy may do:
// - every replicated record it writes survives JSON (the pool's wire) and the Redis value
//   encoding, and reads back as the same record;
// - a request sent because of a message from an endpoint or a stranger goes only to a SIP
//   Server, the Feature Server, a pool peer or a registered flow (never an open relay);
// - what it sends parses.
//
// Input: the first byte picks the mode (standalone or cluster), then events, each an
// opcode byte and its operands (see `run`). tests/fuzz/make_request_path_corpus.py writes
// the seed corpus from SIP flows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "cluster/hybrid_clock.hpp"
#include "cluster/redis_keys.hpp"
#include "cluster/replica_record.hpp"
#include "cluster/replicated_binding_store.hpp"
#include "cluster/replicated_session_table.hpp"
#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "health/health_prober.hpp"
#include "log/logger.hpp"
#include "proxy/local_identity.hpp"
#include "proxy/overload_control.hpp"
#include "proxy/proxy_core.hpp"
#include "proxy/route_signer.hpp"
#include "routing/pair_selector.hpp"
#include "routing/pool_members.hpp"
#include "routing/server_table.hpp"
#include "sip/parser.hpp"
#include "sip/response_builder.hpp"
#include "transport/peer.hpp"
#include "transport/sender.hpp"
#include "txn/timer_queue.hpp"
#include "txn/transaction_layer.hpp"

namespace {

using namespace sipproxy;
using namespace std::chrono_literals;

// The pool as the harness sees it: this instance 127.0.0.1:5060, its peer 127.0.0.2:5060,
// SIP Server pair A (primary 127.0.0.10:5070 UDP, backup 127.0.0.11:5070 TCP), pair B
// (127.0.0.12:5070), the Feature Server 127.0.0.20:5090.
// What both modes share: the options, this instance, the two SIP Server pairs.
constexpr const char* common_conf = R"(oos-check = 5
oos-force = 5
feature-server-address = 127.0.0.20:5090
[SIPProxy_1]
type = sip-proxy
host = 127.0.0.1
sip-port = 5060
[SIPServer_A]
type = sip-server
primary = 127.0.0.10:5070
backup = 127.0.0.11:5070;transport=tcp
[SIPServer_B]
type = sip-server
primary = 127.0.0.12:5070
)";

constexpr const char* standalone_conf = R"([sipproxy]
sipproxy-role = 10
applications = SIPServer_A, SIPServer_B
serving-sipserver = SIPServer_A
sipproxy-applications = SIPProxy_1
)";

constexpr const char* cluster_conf = R"([SIPProxy_2]
type = sip-proxy
host = 127.0.0.2
sip-port = 5060
[sipproxy]
sipproxy-role = 0
applications = SIPServer_A, SIPServer_B
sipproxy-applications = SIPProxy_1, SIPProxy_2
contact-address = 127.0.0.1:5060
)";

transport::peer at(transport::protocol proto, const char* ip, std::uint16_t port) {
  transport::peer p;
  p.proto = proto;
  if (!transport::parse_ip(ip, p.address)) std::abort();
  p.port = port;
  return p;
}

const transport::peer endpoint_udp = at(transport::protocol::udp, "127.0.0.50", 5062);
const transport::peer endpoint_tcp = at(transport::protocol::tcp, "127.0.0.51", 40000);
const transport::peer server_a = at(transport::protocol::udp, "127.0.0.10", 5070);
const transport::peer server_a_backup = at(transport::protocol::tcp, "127.0.0.11", 5070);
const transport::peer server_b = at(transport::protocol::udp, "127.0.0.12", 5070);
const transport::peer peer_sip = at(transport::protocol::udp, "127.0.0.2", 5060);
const transport::peer feature_server = at(transport::protocol::udp, "127.0.0.20", 5090);
const transport::peer stranger = at(transport::protocol::udp, "127.0.0.66", 5060);

// The mode's text, then the shared options (which land in its [sipproxy] section).
config::settings load(const char* mode_text) {
  auto s =
      config::load_deployment_text(std::string(mode_text) + common_conf, "fuzz.conf", "SIPProxy_1");
  config::derive_typed(s);
  return s;
}

routing::member member_of(const transport::peer& p, const char* configured) {
  routing::member m;
  m.configured = configured;
  m.address = p;
  return m;
}

// Why something went out: the source class of the event that caused it.
enum class cause { trusted, untrusted, none };

struct recording_sender : transport::sender {
  struct record {
    transport::peer to;
    std::string bytes;
    cause why;
  };
  std::vector<record> sent;
  cause now = cause::none;
  bool send(const transport::peer& to, std::string_view bytes) override {
    if (sent.size() < 4096) sent.push_back(record{to, std::string(bytes), now});
    return true;
  }
};

void must(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "request_path_fuzz: %s\n", what);
    std::abort();
  }
}

// A record the pool would send: through JSON and back, and as a Redis value.
void check_record(const cluster::replica_record& r) {
  std::string wire = cluster::to_json(r).dump();
  auto back = cluster::record_from_json(cluster::json::parse(wire));
  must(back.has_value(), "a replicated record does not read back");
  must(back->a == r.a && back->b == r.b && back->call_id == r.call_id &&
           back->instance == r.instance && back->pair == r.pair && back->deleted == r.deleted,
       "a replicated record reads back different");
  (void)cluster::redis_keys::key_of(r);
  (void)cluster::redis_keys::value_of(r);
}

struct instance {
  explicit instance(const config::settings& s)
      : settings(s),
        servers(pairs()),
        identity(settings, "127.0.0.1",
                 {boost::asio::ip::make_address("127.0.0.1"),
                  boost::asio::ip::make_address("127.0.0.2")}),
        layer(sender, timers),
        selector(servers, settings.geo_location),
        prober(layer, timers, servers, settings,
               health::prober_identity{identity.via_host(), identity.port()}),
        bindings(settings.app, clock),
        sessions(settings.app, clock, {"SIPServer_A", "SIPServer_B"}),
        pool(settings.standalone()
                 ? routing::pool_members{}
                 : routing::pool_members({routing::pool_member{"SIPProxy_2", peer_sip}})),
        routes(proxy::make_route_signer(settings).signer),
        core(layer,
             proxy::proxy_env{settings, identity, servers, hosts, overload, selector, sessions,
                              state, bindings, pool, routes},
             &prober, nullptr) {
    state.feature_servers.assign({routing::member{"127.0.0.20:5090", feature_server}});
    layer.set_user(core);
    layer.set_own_port(5060);
    layer.set_max_in_flight(64);
    overload.set_rate(settings.overload_ctrl_dialog_rate);
    bindings.set_sink([this](const cluster::replica_record& r) {
      check_record(r);
      note_flow(r);
    });
    sessions.set_sink(check_record);
    prober.start();
  }
  ~instance() { prober.stop(); }

  std::vector<routing::server_pair> pairs() const {
    std::vector<routing::server_pair> out(2);
    out[0].name = "SIPServer_A";
    out[0].index = 0;
    out[0].primary = member_of(server_a, "127.0.0.10:5070");
    out[0].backup = member_of(server_a_backup, "127.0.0.11:5070;transport=tcp");
    out[1].name = "SIPServer_B";
    out[1].index = 1;
    out[1].primary = member_of(server_b, "127.0.0.12:5070");
    return out;
  }

  void advance(txn::timer_queue::duration d) {
    auto target = now + d;
    for (int fired = 0; fired < 10000; ++fired) {
      auto next = timers.next_deadline();
      if (!next || *next > target) break;
      if (*next > now) now = *next;
      timers.run_due();
    }
    now = target;
  }

  bool is_infrastructure(const transport::peer& to) const {
    for (const auto* p : {&server_a, &server_a_backup, &server_b, &feature_server, &peer_sip})
      if (p->address == to.address && p->port == to.port) return true;
    return false;
  }

  // A binding written (by the registrar, or applied from a peer): its flow and its contact's
  // host are places requests to that AOR may go. Removals are not forgotten (lenient).
  void note_flow(const cluster::replica_record& r) {
    if (r.kind != cluster::record_kind::binding || r.deleted) return;
    boost::asio::ip::address a;
    if (transport::parse_ip(r.address, a)) registered.emplace(a.to_string(), r.port);
    if (auto u = sip::parse_uri(r.b)) {
      std::string host(u->host);
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      if (transport::parse_ip(host, a)) registered.emplace(a.to_string(), u->port ? u->port : 5060);
    }
  }

  // Whether `to` is somewhere an endpoint's request may be sent: a SIP Server, the
  // Feature Server, a pool peer, or a registered flow.
  bool allowed_destination(const transport::peer& to) const {
    if (is_infrastructure(to)) return true;
    return registered.count(std::tuple(to.address.to_string(), to.port)) > 0;
  }

  config::settings settings;
  routing::host_table hosts;
  routing::server_table servers;
  proxy::local_identity identity;
  txn::timer_queue::time_point now{};
  txn::timer_queue timers{[this] { return now; }};
  recording_sender sender;
  txn::transaction_layer layer;
  proxy::overload_control overload;
  routing::pair_selector selector;
  health::health_prober prober;
  cluster::hybrid_clock clock;
  cluster::replicated_binding_store bindings;
  cluster::replicated_session_table sessions;
  routing::pool_members pool;
  proxy::runtime_state state;
  proxy::route_signer routes;
  proxy::proxy_core core;
  // Flows of the bindings the registrar holds, noted as they are written.
  std::set<std::tuple<std::string, std::uint16_t>> registered;
};

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(byte() | (byte() << 8)); }
  std::string_view bytes() {
    std::size_t len = u16();
    if (len > n) len = n;
    std::string_view out(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return out;
  }
};

void deliver(instance& x, std::string_view bytes, const transport::peer& from, cause why) {
  x.sender.now = why;
  x.layer.on_message(std::string(bytes), from);
  x.sender.now = cause::none;
}

// Answers the request the proxy sent `back` sends ago (most recent first), from where it
// went or, when `forged`, from a stranger.
void answer(instance& x, std::uint8_t back, int status, std::string_view extra, bool forged) {
  std::vector<const recording_sender::record*> requests;
  for (auto it = x.sender.sent.rbegin(); it != x.sender.sent.rend() && requests.size() < 16; ++it) {
    auto r = sip::parse(it->bytes);
    if (r.msg && r.msg->is_request() && r.msg->method() != "ACK") requests.push_back(&*it);
  }
  if (requests.empty()) return;
  const auto& rec = *requests[back % requests.size()];
  auto r = sip::parse(rec.bytes);
  std::string lines(extra);
  if (!lines.empty() && lines.back() != '\n') lines += "\r\n";
  if (status >= 200 && status < 300 &&
      (r.msg->method() == "INVITE" || r.msg->method() == "REGISTER" ||
       r.msg->method() == "SUBSCRIBE")) {
    if (auto c = r.msg->value(sip::header_id::contact); !c.empty())
      lines += "Contact: " + std::string(c) + ";expires=3600\r\n";
  }
  std::string resp = sip::build_response(*r.msg, status, {}, "fz", lines);
  // An answer from a SIP Server, the Feature Server or the peer is trusted; one from an
  // endpoint (a request sent to a registered flow) or a forger is not.
  const transport::peer& from = forged ? stranger : rec.to;
  bool trusted = !forged && x.is_infrastructure(from);
  deliver(x, resp, from, trusted ? cause::trusted : cause::untrusted);
}

void check_output(instance& x, std::size_t from) {
  for (std::size_t i = from; i < x.sender.sent.size(); ++i) {
    const auto& rec = x.sender.sent[i];
    auto r = sip::parse(rec.bytes);
    must(r.msg != nullptr, "the proxy sent something that does not parse");
    if (rec.why == cause::untrusted && r.msg->is_request() && r.msg->method() != "ACK" &&
        r.msg->method() != "CANCEL") {
      if (!x.allowed_destination(rec.to))
        std::fprintf(stderr, "sent to %s:%u:\n%s\n", rec.to.address.to_string().c_str(),
                     rec.to.port, rec.bytes.c_str());
      must(x.allowed_destination(rec.to),
           "an endpoint's request was sent somewhere it may not go (open relay)");
    }
  }
}

void run(instance& x, reader in) {
  for (int steps = 0; !in.empty() && steps < 64; ++steps) {
    std::size_t mark = x.sender.sent.size();
    switch (in.byte() % 9) {
      case 0:
        deliver(x, in.bytes(), endpoint_udp, cause::untrusted);
        break;
      case 1:
        deliver(x, in.bytes(), endpoint_tcp, cause::untrusted);
        break;
      case 2:
        deliver(x, in.bytes(), server_a, cause::trusted);
        break;
      case 3:
        deliver(x, in.bytes(), peer_sip, cause::trusted);
        break;
      case 4:
        deliver(x, in.bytes(), stranger, cause::untrusted);
        break;
      case 5: {
        std::uint8_t back = in.byte();
        int status = 100 + in.u16() % 600;
        std::uint8_t flags = in.byte();
        answer(x, back, status, in.bytes(), flags & 1);
        break;
      }
      case 6:
        x.advance(std::chrono::milliseconds(50 * in.byte()));
        break;
      case 7: {
        std::string_view text = in.bytes();
        auto j = cluster::json::parse(text, nullptr, false);
        if (j.is_discarded()) break;
        if (auto r = cluster::record_from_json(j)) {
          if (r->kind == cluster::record_kind::binding) {
            x.bindings.apply(*r);
            x.note_flow(*r);
          } else
            x.sessions.apply(*r);
        }
        break;
      }
      case 8:
        x.core.set_draining(in.byte() & 1);
        break;
    }
    check_output(x, mark);
  }
  x.advance(64s);  // every transaction runs out
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    log::set_level(log::level::none);
    return true;
  }();
  (void)quiet;
  static const config::settings standalone = load(standalone_conf);
  static const config::settings cluster = load(cluster_conf);
  reader in{data, size};
  instance x(in.byte() & 1 ? cluster : standalone);
  run(x, in);
  return 0;
}
