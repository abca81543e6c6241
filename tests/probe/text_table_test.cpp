#include "probe/text_table.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace sipproxy::probe {
namespace {

TEST(TextTable, PadsColumnsToTheWidestCell) {
  text_table t({"NAME", "TTL"});
  t.add_row({"proxy.test", "60"});
  t.add_row({"a", ""});
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(), "NAME        TTL\nproxy.test  60\na\n");
}

}  // namespace
}  // namespace sipproxy::probe
