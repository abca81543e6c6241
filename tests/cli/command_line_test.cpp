#include "cli/command_line.hpp"

#include <gtest/gtest.h>

namespace sipproxy::cli {
namespace {

const po::options_description& table() {
  static const po::options_description d = [] {
    po::options_description t;
    t.add_options()("target,t", po::value<std::string>(), "where")("json,j", "as JSON")(
        "app,a", po::value<std::string>(), "name");
    return t;
  }();
  return d;
}

std::string value(const parsed_line& p, const char* name) {
  return p.values.count(name) ? value_of(p.values, name) : std::string("<unset>");
}

TEST(CommandLine, OptionsBeforeOrAfterTheWords) {
  auto before = parse({"--json", "status", "x"}, table());
  auto after = parse({"status", "--json", "x"}, table());
  EXPECT_EQ(before.words, (std::vector<std::string>{"status", "x"}));
  EXPECT_EQ(after.words, before.words);
  EXPECT_EQ(after.values.count("json"), 1u);
}

TEST(CommandLine, EqualsAndSeparateValuesAndShortForms) {
  EXPECT_EQ(value(parse({"--target=h:1"}, table()), "target"), "h:1");
  EXPECT_EQ(value(parse({"--target", "h:1"}, table()), "target"), "h:1");
  EXPECT_EQ(value(parse({"-t", "h:1"}, table()), "target"), "h:1");
  EXPECT_EQ(value(parse({"-th:1"}, table()), "target"), "h:1");
}

TEST(CommandLine, DoubleDashEndsTheOptions) {
  auto p = parse({"set", "--", "--json", "-t"}, table());
  EXPECT_EQ(p.words, (std::vector<std::string>{"set", "--json", "-t"}));
  EXPECT_EQ(p.values.count("json"), 0u);
}

TEST(CommandLine, NegativeNumberIsAWord) {
  auto p = parse({"set", "x", "-5"}, table());
  EXPECT_EQ(p.words, (std::vector<std::string>{"set", "x", "-5"}));
}

TEST(CommandLine, SingleDashLongOnlyWhenAsked) {
  EXPECT_EQ(value(parse({"-app", "P1"}, table(), {.single_dash_long = true}), "app"), "P1");
  // Without the rule, -app is -a with the value "pp".
  EXPECT_EQ(value(parse({"-app", "P1"}, table()), "app"), "pp");
}

TEST(CommandLine, NoAbbreviations) {
  EXPECT_THROW(parse({"--targ", "h:1"}, table()), usage_error);
}

TEST(CommandLine, ErrorsNameTheOption) {
  auto what = [](std::vector<std::string> args) {
    try {
      parse(args, table());
    } catch (const usage_error& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_EQ(what({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(what({"status", "--target"}), "option '--target' needs a value");
  EXPECT_EQ(what({"--json=yes"}), "option '--json' takes no value");
  EXPECT_EQ(what({"-t", "a", "--target", "b"}), "option '--target' is given more than once");
}

TEST(CommandLine, ValueOfAnAbsentOptionIsEmpty) {
  auto p = parse({"-t", "h:1"}, table());
  EXPECT_EQ(value_of(p.values, "target"), "h:1");
  EXPECT_EQ(value_of(p.values, "app"), "");
}

TEST(CommandLine, GivenOptionsInTableOrder) {
  auto p = parse({"-a", "x", "-j"}, table());
  EXPECT_EQ(given_options(p.values, table()), (std::vector<std::string>{"json", "app"}));
}

TEST(CommandLine, UsageErrorLineHintsTheCommandHelp) {
  EXPECT_EQ(usage_error_line("tool", "bad"), "tool: bad; try 'tool --help'\n");
  EXPECT_EQ(usage_error_line("tool", "bad", "set"), "tool: bad; try 'tool set --help'\n");
}

}  // namespace
}  // namespace sipproxy::cli
