// libFuzzer target: one management line, as a connection would answer it, including the
// pool's peer commands (peer-update records, snapshot cursors) from a known peer.
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cluster/pool.hpp"
#include "cluster/two_instance_settings.hpp"
#include "mgmt/protocol.hpp"

using namespace sipproxy;

namespace {

struct world {
  boost::asio::io_context io;
  config::settings settings = cluster::test_support::two_instance_settings("SIPProxy_1");
  cluster::hybrid_clock clock;
  cluster::replicated_binding_store bindings{"SIPProxy_1", clock};
  cluster::replicated_session_table sessions{"SIPProxy_1", clock, {"SIPServer_A"}};
  cluster::pool pool{io, settings, bindings, sessions};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static world w;
  std::string line(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto r = mgmt::decode_request(line, error);
  if (!r) return 0;
  (void)mgmt::encode(*r);
  if (auto reply = w.pool.handle(*r)) (void)reply->dump();
  // Keep the state bounded across runs.
  if (w.bindings.size() + w.sessions.size() > 10000)
    w.bindings.expire(registrar::wall_clock::now() + std::chrono::hours(24 * 365 * 100));
  return 0;
}
