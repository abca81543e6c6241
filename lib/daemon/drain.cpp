#include "daemon/drain.hpp"

#include <boost/asio/post.hpp>

#include "daemon/instance.hpp"
#include "log/logger.hpp"

namespace sipproxy::daemon {

drain::drain(instance& parts) : m_(parts), bound_(parts.io) {}

void drain::begin() {
  if (draining_) {
    m_.io.stop();  // a second signal: stop now
    return;
  }
  draining_ = true;
  m_.prober->stop();
  m_.shared->drain();  // Redis stays connected: the last REGISTERs' bindings still get written
  if (m_.refresher) m_.refresher->stop();
  if (m_.mgmt) m_.mgmt->stop();
  if (m_.http) m_.http->stop();
  m_.transport->stop_accepting();
  m_.core->set_draining(true);
  bound_.expires_after(m_.options.timers.drain);
  bound_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) finish();
  });
  // The notice comes from the timer queue; finish() stops that queue's driver, so it runs
  // from the loop instead, after the queue's pass.
  m_.layer->when_no_pending_server([this] { boost::asio::post(m_.io, [this] { finish(); }); });
}

void drain::finish() {
  if (finished_) return;
  finished_ = true;
  if (std::size_t pending = m_.layer->pending_server_count())
    log::standard("stopping with {} transaction(s) still pending", pending);
  m_.layer->when_no_pending_server(nullptr);
  m_.driver->stop();
  m_.transport->close_all();
  if (m_.mgmt) m_.mgmt->close_connections();
  m_.shared->stop();
  bound_.cancel();
  m_.io.stop();
}

}  // namespace sipproxy::daemon
