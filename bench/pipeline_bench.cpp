// parse -> route -> serialize, in process (Google Benchmark): the proxy's hot path without
// sockets. BM_parse_invite and BM_serialize_invite time the two ends of one message;
// BM_call drives a whole call through the transaction layer and proxy_core exactly as
// the daemon wires them (bench.conf: one SIP Server at 127.0.0.1:5070), with the unit tests'
// in-process pipeline (tests/proxy/pipeline_fixture.hpp): a recording sender in place of
// the sockets and a manual clock, here advanced 1 ms per call so that
// transactions time out as they would at 1000 calls per second. A call is the 14
// datagrams of the load harness: INVITE, 100, 180, 200, ACK, BYE, 200 in, the same out.
//
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DSIPPROXY_BENCH=ON
//   cmake --build build-rel --target pipeline_bench && build-rel/bin/pipeline_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "log/logger.hpp"
#include "proxy/pipeline_fixture.hpp"
#include "sip/parser.hpp"

// Every heap allocation in this process is counted, so that BM_call can report how many
// the proxy makes per call (those of the benchmark's own message building and recording
// are left out).
namespace {
std::atomic<std::uint64_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using namespace sipproxy;
using proxy::test::lines_named;
using proxy::test::peer_at;

constexpr std::string_view deployment = R"([sipproxy]
sipproxy-role = 10
applications = SIPServer_A
serving-sipserver = SIPServer_A
oos-check = 0

[SIPProxy_1]
type = sip-proxy
host = 127.0.0.1
sip-address = 127.0.0.1
sip-port = 5060

[SIPServer_A]
type = sip-server
primary = 127.0.0.1:5070
)";

std::string invite(std::uint64_t n) {
  std::string body =
      "v=0\r\no=uac 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  return fmt::format(
      "INVITE sip:bench@127.0.0.1:5070 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-{0}-1\r\n"
      "Route: <sip:127.0.0.1:5060;lr>\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:bench@127.0.0.1:5090>;tag={0}UAC\r\n"
      "To: <sip:bench@127.0.0.1:5070>\r\n"
      "Call-ID: {0}-bench@127.0.0.1\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:bench@127.0.0.1:5090>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: {1}\r\n\r\n{2}",
      n, body.size(), body);
}

// An in-dialog request from the UAC, routed by the Record-Route of the 200.
std::string in_dialog(std::string_view method, int cseq, std::uint64_t n, std::string_view ok200) {
  std::string out = fmt::format("{} sip:bench@127.0.0.1:5070 SIP/2.0\r\n", method);
  out += fmt::format("Via: SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-{}-{}\r\n", n, cseq);
  for (auto rr : lines_named(ok200, "Record-Route")) {
    out.append("Route:");
    out.append(rr.substr(std::string_view("Record-Route:").size()));
    out.append("\r\n");
  }
  out += fmt::format(
      "Max-Forwards: 70\r\nFrom: <sip:bench@127.0.0.1:5090>;tag={0}UAC\r\n"
      "To: <sip:bench@127.0.0.1:5070>;tag=uas\r\nCall-ID: {0}-bench@127.0.0.1\r\n"
      "CSeq: {1} {2}\r\nContent-Length: 0\r\n\r\n",
      n, method == "ACK" ? 1 : cseq, method);
  return out;
}

// What the UAS answers to the request the proxy forwarded.
std::string response(std::string_view request, int code, std::string_view reason, bool dialog) {
  return proxy::test::response_to(request, code, reason, dialog);
}

// The fixture's recording sender, with the allocations the recording itself makes counted
// so that they can be left out.
struct counting_sender : proxy::test::recording_sender {
  std::uint64_t own_allocations = 0;
  bool send(const transport::peer& to, std::string_view bytes) override {
    std::uint64_t before = allocations.load(std::memory_order_relaxed);
    recording_sender::send(to, bytes);
    own_allocations += allocations.load(std::memory_order_relaxed) - before;
    return true;
  }
  std::string last(std::string_view start) const {
    const record* r = recording_sender::last(start);
    return r ? r->bytes : std::string();
  }
};

// The daemon's objects, wired as daemon/startup.cpp wires them, minus sockets and the pool.
struct pipeline {
  counting_sender wire;
  proxy::test::pipeline p{deployment, wire};
  transport::peer uac = peer_at("127.0.0.1", 5090), uas = peer_at("127.0.0.1", 5070);

  std::uint64_t proxy_allocations = 0;  // made inside the transaction layer and the proxy

  void deliver(std::string bytes, const transport::peer& from) {
    std::uint64_t before = allocations.load(std::memory_order_relaxed);
    std::uint64_t recorded = wire.own_allocations;
    p.deliver(std::move(bytes), from);
    proxy_allocations +=
        allocations.load(std::memory_order_relaxed) - before - (wire.own_allocations - recorded);
  }

  // One call; false when a step did not produce what the next one needs.
  bool call(std::uint64_t n) {
    wire.sent.clear();
    deliver(invite(n), uac);
    std::string fwd = wire.last("INVITE ");
    if (fwd.empty()) return false;
    deliver(response(fwd, 100, "Trying", false), uas);
    deliver(response(fwd, 180, "Ringing", true), uas);
    std::string ok = response(fwd, 200, "OK", true);
    deliver(ok, uas);
    std::string relayed = wire.last("SIP/2.0 200");
    if (relayed.empty()) return false;
    deliver(in_dialog("ACK", 1, n, relayed), uac);
    deliver(in_dialog("BYE", 2, n, relayed), uac);
    std::string bye = wire.last("BYE ");
    if (bye.empty()) return false;
    deliver(response(bye, 200, "OK", false), uas);
    p.now += std::chrono::milliseconds(1);
    std::uint64_t before = allocations.load(std::memory_order_relaxed);
    p.timers.run_due();
    proxy_allocations += allocations.load(std::memory_order_relaxed) - before;
    return wire.sent.size() == 7;
  }
};

void BM_parse_invite(benchmark::State& state) {
  std::string text = invite(1);
  for (auto _ : state) {
    auto r = sip::parse(text);
    benchmark::DoNotOptimize(r.msg);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_parse_invite);

void BM_serialize_invite(benchmark::State& state) {
  auto r = sip::parse(invite(1));
  for (auto _ : state) {
    std::string out = r.msg->serialize();
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_serialize_invite);

void BM_call(benchmark::State& state) {
  log::set_level(log::level::none);
  pipeline p;
  std::uint64_t n = 0, bad = 0;
  for (int i = 0; i < 40000; ++i) bad += !p.call(++n);  // tables at their steady size
  std::uint64_t before = p.proxy_allocations, first = n;
  for (auto _ : state) bad += !p.call(++n);
  double calls = static_cast<double>(n - first);
  state.counters["allocs_per_call"] =
      static_cast<double>(p.proxy_allocations - before) / std::max(1.0, calls);
  state.counters["calls_per_s"] = benchmark::Counter(calls, benchmark::Counter::kIsRate);
  state.counters["transactions"] =
      static_cast<double>(p.p.layer.server_count() + p.p.layer.client_count());
  if (bad) state.SkipWithError(fmt::format("{} call(s) did not complete", bad).c_str());
}
BENCHMARK(BM_call);

}  // namespace

BENCHMARK_MAIN();
