#include "dns/ares_error.hpp"

#include <ares.h>
#include <gtest/gtest.h>

namespace sipproxy::dns {
namespace {

TEST(AresError, CategoryNamesTheProblem) {
  EXPECT_FALSE(make_ares_error(ARES_SUCCESS));
  auto ec = make_ares_error(ARES_ETIMEOUT);
  EXPECT_STREQ(ec.category().name(), "c-ares");
  EXPECT_NE(ec.message().find("did not answer"), std::string::npos);
  EXPECT_TRUE(is_no_data(make_ares_error(ARES_ENOTFOUND)));
  EXPECT_FALSE(is_no_data(ec));
}

}  // namespace
}  // namespace sipproxy::dns
