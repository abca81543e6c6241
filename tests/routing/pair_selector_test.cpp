#include "routing/pair_selector.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "log/logger.hpp"

namespace sipproxy::routing {
namespace {

server_pair make_pair(std::string name, std::string geo, bool with_backup = false) {
  server_pair p;
  p.name = std::move(name);
  p.geo_location = std::move(geo);
  p.primary.configured = p.name + "-primary:5060";
  if (with_backup) {
    p.backup = member{};
    p.backup->configured = p.name + "-backup:5060";
  }
  return p;
}

class pair_selector_test : public ::testing::Test {
 protected:
  pair_selector_test() { log::set_level(log::level::none); }

  // east-a, east-b (with a backup), west-c, west-d.
  server_table servers{
      std::vector<server_pair>{make_pair("east-a", "east"), make_pair("east-b", "east", true),
                               make_pair("west-c", "west"), make_pair("west-d", "west")}};
  pair_selector selector{servers, "east"};

  server_pair& pair(std::size_t i) { return servers.pairs()[i]; }

  std::map<std::string, int> counts(
      int picks, const std::function<bool(const server_pair&)>& allowed = nullptr) {
    std::map<std::string, int> out;
    for (int i = 0; i < picks; ++i) {
      const server_pair* p = selector.pick(allowed);
      out[p ? p->name : std::string("(none)")]++;
    }
    return out;
  }
};

TEST_F(pair_selector_test, round_robin_over_own_location) {
  EXPECT_EQ(selector.method(), balance_method::round_robin);
  std::vector<std::string> seq;
  for (int i = 0; i < 10; ++i) seq.emplace_back(selector.pick()->name);
  for (int i = 1; i < 10; ++i) EXPECT_NE(seq[i], seq[i - 1]) << i;
  auto c = counts(10);
  EXPECT_EQ(c["east-a"], 5);
  EXPECT_EQ(c["east-b"], 5);
  EXPECT_EQ(c.size(), 2u);
}

TEST_F(pair_selector_test, skips_pairs_with_no_active_member) {
  pair(0).primary.state = member_state::out_of_service;
  auto c = counts(10);
  EXPECT_EQ(c["east-b"], 10);
  EXPECT_EQ(c.size(), 1u);

  // An inactive member takes no new dialogs either.
  pair(0).primary.state = member_state::inactive;
  c = counts(10);
  EXPECT_EQ(c["east-b"], 10);
  EXPECT_EQ(c.size(), 1u);
}

TEST_F(pair_selector_test, a_pair_whose_backup_is_active_is_still_picked) {
  pair(1).primary.state = member_state::out_of_service;
  auto c = counts(10);
  EXPECT_EQ(c["east-a"], 5);
  EXPECT_EQ(c["east-b"], 5);

  pair(1).backup->state = member_state::inactive;
  c = counts(10);
  EXPECT_EQ(c["east-a"], 10);
  EXPECT_EQ(c.size(), 1u);
}

TEST_F(pair_selector_test, falls_back_to_other_locations_and_back) {
  pair(0).primary.state = member_state::out_of_service;
  pair(1).primary.state = member_state::out_of_service;
  pair(1).backup->state = member_state::out_of_service;
  auto c = counts(10);
  EXPECT_EQ(c["west-c"], 5);
  EXPECT_EQ(c["west-d"], 5);
  EXPECT_EQ(c.size(), 2u);

  pair(0).primary.state = member_state::active;
  c = counts(4);
  EXPECT_EQ(c["east-a"], 4);
  EXPECT_EQ(c.size(), 1u);
}

TEST_F(pair_selector_test, nothing_available_gives_nullptr) {
  for (auto& p : servers.pairs()) {
    p.primary.state = member_state::out_of_service;
    if (p.backup) p.backup->state = member_state::inactive;
  }
  EXPECT_EQ(selector.pick(), nullptr);
  selector.set_method(balance_method::random);
  EXPECT_EQ(selector.pick(), nullptr);
}

TEST_F(pair_selector_test, allowed_filter) {
  auto not_a = [](const server_pair& p) { return p.name != "east-a"; };
  auto c = counts(6, not_a);
  EXPECT_EQ(c["east-b"], 6);
  EXPECT_EQ(c.size(), 1u);

  // When no local pair is allowed, the other locations are.
  auto west_d_only = [](const server_pair& p) { return p.name == "west-d"; };
  c = counts(3, west_d_only);
  EXPECT_EQ(c["west-d"], 3);
  EXPECT_EQ(c.size(), 1u);

  auto none = [](const server_pair&) { return false; };
  EXPECT_EQ(selector.pick(none), nullptr);
}

TEST_F(pair_selector_test, pairs_without_geo_location_count_as_local) {
  server_table t{std::vector<server_pair>{make_pair("x", "west"), make_pair("y", "")}};
  pair_selector s{t, "east"};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(s.pick()->name, "y") << i;

  // A selector without a geo-location treats every pair as local.
  pair_selector anywhere{t, ""};
  std::map<std::string, int> c;
  for (int i = 0; i < 10; ++i) c[anywhere.pick()->name]++;
  EXPECT_EQ(c["x"], 5);
  EXPECT_EQ(c["y"], 5);
}

TEST_F(pair_selector_test, random_picks_only_valid_pairs) {
  selector.set_method(balance_method::random);
  EXPECT_EQ(selector.method(), balance_method::random);
  pair(1).primary.state = member_state::out_of_service;
  pair(1).backup->state = member_state::out_of_service;
  // Only east-a is local and available.
  auto c = counts(200);
  EXPECT_EQ(c["east-a"], 200);
  EXPECT_EQ(c.size(), 1u);

  // Both local pairs available: only those, and both of them over 200 picks.
  pair(1).backup->state = member_state::active;
  c = counts(200);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c["east-a"] + c["east-b"], 200);
  EXPECT_GT(c["east-a"], 0);
  EXPECT_GT(c["east-b"], 0);

  // Nothing local: only the west pairs.
  pair(0).primary.state = member_state::inactive;
  pair(1).backup->state = member_state::inactive;
  pair(3).primary.state = member_state::out_of_service;
  c = counts(100);
  EXPECT_EQ(c["west-c"], 100);
  EXPECT_EQ(c.size(), 1u);
}

}  // namespace
}  // namespace sipproxy::routing
