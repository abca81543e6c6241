#include "proxy/dialog_table.hpp"

#include <gtest/gtest.h>

namespace sipproxy::proxy {
namespace {

TEST(dialog_table, key_is_the_same_whichever_side_sends) {
  EXPECT_EQ(dialog_table::key("c1", "a", "b"), dialog_table::key("c1", "b", "a"));
  EXPECT_NE(dialog_table::key("c1", "a", "b"), dialog_table::key("c2", "a", "b"));
}

TEST(dialog_table, counts_by_pair_until_ended) {
  dialog_table t;
  auto now = dialog_table::clock::now();
  t.established(dialog_table::key("c1", "a", "b"), 0, now);
  t.established(dialog_table::key("c2", "a", "b"), 1, now);
  t.established(dialog_table::key("c3", "a", "b"), 1, now);
  t.established(dialog_table::key("c4", "a", "b"), std::nullopt, now);
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.by_pair(2), (std::vector<std::size_t>{1, 2, 1}));
  t.ended(dialog_table::key("c2", "b", "a"));  // the BYE from the other side
  EXPECT_EQ(t.by_pair(2), (std::vector<std::size_t>{1, 1, 1}));
  t.established(dialog_table::key("c1", "a", "b"), 0, now);  // a 2xx retransmission
  EXPECT_EQ(t.size(), 3u);
}

TEST(dialog_table, forgets_dialogs_older_than_the_idle_bound) {
  dialog_table t;
  auto now = dialog_table::clock::now();
  t.established(dialog_table::key("old", "a", "b"), 0, now - std::chrono::hours(13));
  t.established(dialog_table::key("new", "a", "b"), 0, now);
  EXPECT_EQ(t.expire(now), 1u);
  EXPECT_EQ(t.size(), 1u);
}

}  // namespace
}  // namespace sipproxy::proxy
