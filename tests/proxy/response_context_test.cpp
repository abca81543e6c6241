#include "proxy/response_context.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>

#include "sip/parser.hpp"

namespace sipproxy::proxy {
namespace {

response_context with(std::initializer_list<int> statuses) {
  response_context rc;
  txn::txn_id id = 10;
  for (int s : statuses) {
    branch_state b;
    b.client = id++;
    b.final_status = s;
    rc.branches.push_back(b);
  }
  return rc;
}

int best_status(const response_context& rc) {
  const branch_state* b = rc.best();
  return b ? b->final_status : -1;
}

TEST(response_context, nullptr_while_any_branch_is_pending) {
  auto rc = with({486, 0, 404});
  EXPECT_FALSE(rc.all_final());
  EXPECT_EQ(rc.best(), nullptr);
}

TEST(response_context, single_branch) {
  auto rc = with({404});
  EXPECT_TRUE(rc.all_final());
  ASSERT_NE(rc.best(), nullptr);
  EXPECT_EQ(rc.best()->client, 10u);
  EXPECT_EQ(rc.best()->final_status, 404);
}

TEST(response_context, six_hundred_wins) {
  EXPECT_EQ(best_status(with({302, 486, 603})), 603);
  EXPECT_EQ(best_status(with({603, 302})), 603);
  EXPECT_EQ(best_status(with({404, 600, 302})), 600);
}

TEST(response_context, lowest_class_wins_without_6xx) {
  EXPECT_EQ(best_status(with({486, 302, 503})), 302);
  EXPECT_EQ(best_status(with({503, 404})), 404);
  EXPECT_EQ(best_status(with({500, 408, 480})) / 100, 4);
}

TEST(response_context, best_points_into_the_branches) {
  auto rc = with({503, 404, 500});
  const branch_state* b = rc.best();
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b, &rc.branches[1]);
  EXPECT_EQ(b->client, 11u);
}

TEST(response_context, branch_of_finds_by_client_id) {
  auto rc = with({0, 0});
  ASSERT_NE(rc.branch_of(11), nullptr);
  EXPECT_EQ(rc.branch_of(11), &rc.branches[1]);
  EXPECT_EQ(rc.branch_of(99), nullptr);
  rc.branch_of(10)->final_status = 480;
  EXPECT_EQ(rc.best(), nullptr);
  rc.branch_of(11)->final_status = 486;
  ASSERT_NE(rc.best(), nullptr);
  EXPECT_EQ(rc.best()->final_status / 100, 4);
}

TEST(response_context, release_messages_keeps_what_routes_later_responses) {
  auto rc = with({200, 486});
  rc.server = 7;
  rc.invite = true;
  rc.final_forwarded = true;
  rc.request = sip::parse("INVITE sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n").msg;
  ASSERT_TRUE(rc.request);
  rc.branches[1].response = rc.request;
  rc.retry.emplace().base = rc.request;
  rc.pair = 2;
  rc.release_messages();
  EXPECT_FALSE(rc.request);
  EXPECT_FALSE(rc.retry);
  EXPECT_FALSE(rc.branches[1].response);
  // What a late 2xx or CANCEL needs is still there.
  EXPECT_EQ(rc.server, 7u);
  EXPECT_TRUE(rc.invite);
  EXPECT_TRUE(rc.final_forwarded);
  ASSERT_NE(rc.branch_of(10), nullptr);
  EXPECT_EQ(rc.branch_of(10)->final_status, 200);
  EXPECT_EQ(rc.pair, std::optional<std::size_t>(2));
}

}  // namespace
}  // namespace sipproxy::proxy
