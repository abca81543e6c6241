#include "mgmt/ctl_args.hpp"

#include <gtest/gtest.h>

#include "config/option_table.hpp"

namespace sipproxy::mgmt {
namespace {

using words = std::vector<std::string>;

TEST(CtlArgs, OptionsBeforeOrAfterTheCommand) {
  for (const words& line : {words{"--json", "-t", "127.0.0.1:1", "status"},
                            words{"status", "--json", "--target=127.0.0.1:1"}}) {
    auto a = parse_ctl_args(line);
    ASSERT_TRUE(a.error.empty()) << a.error;
    EXPECT_EQ(a.words, words{"status"});
    EXPECT_TRUE(a.json);
    EXPECT_EQ(a.target, "127.0.0.1:1");
  }
}

TEST(CtlArgs, TokenFromTheEnvironmentUnlessGiven) {
  EXPECT_EQ(parse_ctl_args({"drain"}, "env").token, "env");
  EXPECT_EQ(parse_ctl_args({"drain", "--token", "line"}, "env").token, "line");
  EXPECT_EQ(parse_ctl_args({"drain"}).token, "");
}

TEST(CtlArgs, HelpForACommandBothWays) {
  auto a = parse_ctl_args({"help", "set"});
  auto b = parse_ctl_args({"set", "--help"});
  EXPECT_TRUE(a.help && b.help);
  EXPECT_EQ(a.help_command, "set");
  EXPECT_EQ(b.help_command, "set");
  EXPECT_EQ(ctl_usage("set").rfind("Usage: sipproxyctl", 0), 0u);
  EXPECT_NE(ctl_usage("set").find("set OPTION VALUE\n"), std::string::npos);
  EXPECT_TRUE(parse_ctl_args({"--help"}).help_command.empty());
  EXPECT_FALSE(parse_ctl_args({"help", "nothing"}).error.empty());
}

TEST(CtlArgs, EveryCommandHasHelpAndTheOverviewListsIt) {
  std::string overview = ctl_usage();
  for (const auto& c : ctl_commands()) {
    EXPECT_NE(overview.find("\n  " + std::string(c.name)), std::string::npos) << c.name;
    EXPECT_FALSE(c.details.empty()) << c.name;
  }
}

TEST(CtlArgs, UsageErrorsAreOneLine) {
  for (const words& line : {words{}, words{"--bogus", "status"}, words{"status", "--target"},
                            words{"--timeout", "0", "status"}, words{"--timeout=x", "status"},
                            words{"option-names", "extra"}}) {
    auto a = parse_ctl_args(line);
    EXPECT_FALSE(a.error.empty()) << (line.empty() ? "(empty)" : line[0]);
    EXPECT_EQ(a.error.find('\n'), std::string::npos) << a.error;
  }
}

TEST(CtlArgs, ErrorsAboutACommandNameIt) {
  auto a = parse_ctl_args({"set", "x", "--timeout", "0"});
  EXPECT_FALSE(a.error.empty());
  EXPECT_EQ(a.error_command, "set");
}

TEST(CtlArgs, DoubleDashPassesWordsThatLookLikeOptions) {
  auto a = parse_ctl_args({"set", "x", "--", "--json"});
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.words, (words{"set", "x", "--json"}));
  EXPECT_FALSE(a.json);
}

TEST(CtlArgs, LocalCommands) {
  EXPECT_TRUE(parse_ctl_args({"option-names"}).error.empty());
}

}  // namespace
}  // namespace sipproxy::mgmt
