// Load balancing of new dialogs over SIP Server pairs in cluster mode (the seed's "Load
// balancing", geo-location): round-robin (default) or random among the pairs of the
// proxy's own geo-location that have an active member; when none of them has, the other
// locations' pairs, and that is logged.
#pragma once

#include <functional>
#include <random>
#include <string>

#include "routing/server_table.hpp"

namespace sipproxy::routing {

enum class balance_method { round_robin, random };

class pair_selector {
 public:
  pair_selector(const server_table& servers, std::string geo_location);

  void set_method(balance_method m) { method_ = m; }
  balance_method method() const { return method_; }
  // A pair with an active member that `allowed` accepts (nullptr when none).
  const server_pair* pick(const std::function<bool(const server_pair&)>& allowed = nullptr);

 private:
  const server_pair* pick_from(bool own_location,
                               const std::function<bool(const server_pair&)>& allowed);

  const server_table& servers_;
  std::string geo_;
  balance_method method_ = balance_method::round_robin;
  std::size_t next_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
  bool using_other_locations_ = false;
};

}  // namespace sipproxy::routing
