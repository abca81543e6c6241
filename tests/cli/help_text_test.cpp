#include "cli/help_text.hpp"

#include <gtest/gtest.h>

namespace sipproxy::cli {
namespace {

namespace po = boost::program_options;

TEST(HelpText, OptionsInTheGnuLayout) {
  po::options_description d;
  d.add_options()("target,t", po::value<std::string>()->value_name("HOST:PORT"), "where")(
      "json", "as JSON");
  EXPECT_EQ(format_options(d),
            "  -t, --target HOST:PORT  where\n"
            "      --json              as JSON\n");
}

TEST(HelpText, LongDescriptionsWrapUnderTheirColumn) {
  po::options_description d;
  d.add_options()("x", std::string(30, 'a').append(" ").append(std::string(60, 'b')).c_str());
  std::string out = format_options(d);
  EXPECT_EQ(out,
            "      --x  " + std::string(30, 'a') + "\n           " + std::string(60, 'b') + "\n");
}

TEST(HelpText, CommandsAndFind) {
  const command_info table[] = {{"get", "OPTION", "read one", "details"},
                                {"drain", "", "stop", ""}};
  EXPECT_EQ(format_commands(table),
            "  get OPTION  read one\n"
            "  drain       stop\n");
  EXPECT_EQ(find_command(table, "drain"), &table[1]);
  EXPECT_EQ(find_command(table, "dra"), nullptr);
}

TEST(HelpText, WrapKeepsParagraphsAndIndents) {
  EXPECT_EQ(wrap("one two three\n\nfour", 2, 12), "  one two\n  three\n\n  four\n");
  EXPECT_EQ(wrap(" kept   as is", 0), " kept   as is\n");
}

}  // namespace
}  // namespace sipproxy::cli
