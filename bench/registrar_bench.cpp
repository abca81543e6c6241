// The registrar's store at the size issue 4 asks for: 100,000 bindings, in the plain
// memory_binding_store and in the store the daemon uses (cluster::replicated_binding_store:
// the same plus a version per binding for the pool), side by side in one run. Reports
// the resident memory they take and the cost of the look-ups on the request path (by AOR
// and by contact), so a change that slows them shows here.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <type_traits>

#include "cluster/replicated_binding_store.hpp"

namespace {

using namespace sipproxy;

constexpr int bindings = 100000;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

registrar::binding make(int i, registrar::wall_clock::time_point now) {
  registrar::binding b;
  b.aor = fmt::format("sip:{}@proxy.example.com", 100000 + i);
  b.contact = fmt::format("sip:{}@10.{}.{}.{}:5060;transport=udp", 100000 + i, (i >> 16) & 255,
                          (i >> 8) & 255, i & 255);
  b.expires = now + std::chrono::seconds(3600);
  boost::asio::ip::address_v4::bytes_type ip{10, static_cast<unsigned char>((i >> 16) & 255),
                                             static_cast<unsigned char>((i >> 8) & 255),
                                             static_cast<unsigned char>(i & 255)};
  b.flow = transport::peer{transport::protocol::udp, boost::asio::ip::address_v4(ip), 5060, 0};
  b.instance = "SIPProxy_1";
  b.call_id = fmt::format("{:016x}@10.0.0.1", i * 2654435761u);
  b.cseq = 1;
  return b;
}

// One store of each kind, filled once; the memory each takes is printed.
template <typename Store>
Store& filled_store() {
  static cluster::hybrid_clock clock;
  static Store* store = [] {
    long before = rss_kib();
    Store* s;
    if constexpr (std::is_same_v<Store, cluster::replicated_binding_store>) {
      s = new Store("SIPProxy_1", clock);
    } else {
      s = new Store();
    }
    auto now = registrar::wall_clock::now();
    for (int i = 0; i < bindings; ++i) s->put(make(i, now));
    long after = rss_kib();
    fmt::print("{}: {} bindings: resident memory +{:.1f} MiB ({} bytes per binding)\n",
               std::is_same_v<Store, cluster::replicated_binding_store> ? "replicated" : "memory",
               s->size(), (after - before) / 1024.0, (after - before) * 1024 / bindings);
    return s;
  }();
  return *store;
}

template <typename Store>
void lookup_by_aor(benchmark::State& state) {
  auto& store = filled_store<Store>();
  int i = 0;
  for (auto _ : state) {
    auto found = store.lookup(fmt::format("sip:{}@proxy.example.com", 100000 + (i++ % bindings)));
    benchmark::DoNotOptimize(found);
  }
}

template <typename Store>
void lookup_by_contact(benchmark::State& state) {
  auto& store = filled_store<Store>();
  int i = 0;
  for (auto _ : state) {
    int n = i++ % bindings;
    auto found = store.by_contact(fmt::format("sip:{}@10.{}.{}.{}:5060", 100000 + n,
                                              (n >> 16) & 255, (n >> 8) & 255, n & 255));
    benchmark::DoNotOptimize(found);
  }
}

template <typename Store>
void refresh(benchmark::State& state) {
  auto& store = filled_store<Store>();
  auto now = registrar::wall_clock::now();
  int i = 0;
  for (auto _ : state) store.put(make(i++ % bindings, now));
}

using memory = registrar::memory_binding_store;
using replicated = cluster::replicated_binding_store;
BENCHMARK_TEMPLATE(lookup_by_aor, memory);
BENCHMARK_TEMPLATE(lookup_by_aor, replicated);
BENCHMARK_TEMPLATE(lookup_by_contact, memory);
BENCHMARK_TEMPLATE(lookup_by_contact, replicated);
BENCHMARK_TEMPLATE(refresh, memory);
BENCHMARK_TEMPLATE(refresh, replicated);

}  // namespace

BENCHMARK_MAIN();
