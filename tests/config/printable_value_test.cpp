#include "config/printable_value.hpp"

#include <gtest/gtest.h>

namespace sipproxy::config {
namespace {

TEST(printable_value, secrets_say_only_whether_they_are_set) {
  for (const char* name : {"mgmt-token", "route-secret", "route-secret-previous"}) {
    EXPECT_TRUE(is_secret_option(name)) << name;
    EXPECT_EQ(printable_value(name, "0123456789abcdef0123456789abcdef"), "(set)") << name;
    EXPECT_EQ(printable_value(name, ""), "(not set)") << name;
  }
}

TEST(printable_value, the_password_of_a_storage_url_is_masked) {
  std::string shown = printable_value("shared-storage", "redis://:hunter2@127.0.0.1:6379");
  EXPECT_EQ(shown.find("hunter2"), std::string::npos) << shown;
  EXPECT_NE(shown.find("127.0.0.1:6379"), std::string::npos) << shown;
}

TEST(printable_value, other_options_print_as_they_are) {
  EXPECT_FALSE(is_secret_option("oos-check"));
  EXPECT_EQ(printable_value("oos-check", "5"), "5");
  EXPECT_EQ(printable_value("load-balancing", "round-robin"), "round-robin");
}

}  // namespace
}  // namespace sipproxy::config
