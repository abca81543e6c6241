#include "proxy/host_refresher.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>

#include "dns/sip_resolver.hpp"
#include "log/logger.hpp"
#include "transport/peer.hpp"

namespace sipproxy::proxy {

void host_refresher::watch(std::string name, boost::asio::ip::address current, std::string what,
                           apply_fn apply) {
  entries_.push_back(entry{std::move(name), current, std::move(what), std::move(apply), 0});
  schedule(entries_.size() - 1, floor_);
}

void host_refresher::stop() {
  *alive_ = false;
  for (auto& e : entries_) {
    timers_.cancel(e.timer);
    e.timer = 0;
  }
}

void host_refresher::schedule(std::size_t i, std::chrono::milliseconds after) {
  if (!*alive_) return;
  entries_[i].timer = timers_.after(after, [this, i] {
    entries_[i].timer = 0;
    refresh(i);
  });
}

void host_refresher::refresh(std::size_t i) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::co_spawn(
      resolver_.get_executor(), dns::resolve_host(resolver_, entries_[i].name),
      [this, i, alive](std::exception_ptr e, dns::host_addresses r) {
        auto still = alive.lock();
        if (!still || !*still) return;
        entry& en = entries_[i];
        if (e || r.addresses.empty()) {
          log::event(log::event_id::host_not_resolved,
                     "{} host '{}' no longer resolves ({}); keeping {}", en.what, en.name,
                     e ? "internal error" : r.error.message(), en.current.to_string());
          schedule(i, std::chrono::seconds(30));
          return;
        }
        // Keep the current address while it is still among the answers (no flapping
        // between round-robin A records).
        const auto& answers = r.addresses;
        auto same = std::find_if(answers.begin(), answers.end(), [&](const dns::address_record& a) {
          return transport::normalize(a.address) == en.current;
        });
        std::uint32_t ttl = answers.front().ttl;
        if (same == answers.end()) {
          auto next = transport::normalize(answers.front().address);
          log::standard("{} host '{}' now resolves to {} (was {})", en.what, en.name,
                        next.to_string(), en.current.to_string());
          en.current = next;
          en.apply(next);
        } else {
          ttl = same->ttl;
        }
        std::chrono::milliseconds next = std::chrono::seconds(std::min<std::uint32_t>(ttl, 3600));
        schedule(i, std::max(next, floor_));
      });
}

}  // namespace sipproxy::proxy
