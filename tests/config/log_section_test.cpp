#include "config/log_section.hpp"

#include <gtest/gtest.h>

#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"

namespace sipproxy::config {
namespace {

const char* base = R"([sipproxy]
sipproxy-role = 10
serving-sipserver = SIPServer_A
sipproxy-applications = SIPProxy_1
[SIPProxy_1]
type = sip-proxy
host = 127.0.0.1
[SIPServer_A]
type = sip-server
primary = 127.0.0.1:5070
)";

settings load(const std::string& log) {
  return load_deployment_text(std::string(base) + "[log]\n" + log, "d.conf", "SIPProxy_1");
}

std::string error_of(const std::string& log) {
  try {
    load(log);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(log_section, a_file_without_one_keeps_the_command_lines_logging) {
  auto s = load_deployment_text(base, "d.conf", "SIPProxy_1");
  EXPECT_FALSE(s.log.has_value());
}

TEST(log_section, the_guides_example_reads) {
  auto s = load(
      "verbose = standard\n"
      "standard = stderr, /var/log/sipproxy/SIPProxy_1\n"
      "segment = 10 MB\n"
      "expire = 10\n");
  ASSERT_TRUE(s.log.has_value());
  EXPECT_EQ(s.log->verbose, log::level::standard);
  ASSERT_EQ(s.log->outputs.size(), 2u);
  EXPECT_EQ(s.log->outputs[0], (log::log_output{"stderr", log::level::standard}));
  EXPECT_EQ(s.log->outputs[1],
            (log::log_output{"/var/log/sipproxy/SIPProxy_1", log::level::standard}));
  EXPECT_EQ(s.log->segment, (log::log_segment{log::log_segment::kind::bytes, 10u << 20}));
  EXPECT_EQ(s.log->expire, (log::log_expire{log::log_expire::kind::segments, 10}));
}

TEST(log_section, defaults_are_all_levels_to_stderr) {
  auto s = load("time_format = time\n");
  ASSERT_TRUE(s.log.has_value());
  EXPECT_EQ(s.log->verbose, log::level::debug);
  ASSERT_EQ(s.log->outputs.size(), 1u);
  EXPECT_EQ(s.log->outputs[0], (log::log_output{"stderr", log::level::debug}));
  EXPECT_EQ(s.log->format, log::time_format::time);
  EXPECT_EQ(s.log->convert, log::time_convert::utc);
}

TEST(log_section, a_target_named_by_several_levels_takes_the_widest) {
  auto s = load("standard = a.log\ninteraction = a.log, stdout\ndebug = b.log\nall = c.log\n");
  ASSERT_EQ(s.log->outputs.size(), 4u);
  EXPECT_EQ(s.log->outputs[0], (log::log_output{"a.log", log::level::interaction}));
  EXPECT_EQ(s.log->outputs[1], (log::log_output{"stdout", log::level::interaction}));
  EXPECT_EQ(s.log->outputs[2], (log::log_output{"b.log", log::level::debug}));
  EXPECT_EQ(s.log->outputs[3], (log::log_output{"c.log", log::level::debug}));
}

TEST(log_section, segment_and_expire_take_the_frameworks_forms) {
  EXPECT_EQ(load("segment = 100\n").log->segment,
            (log::log_segment{log::log_segment::kind::bytes, 100u * 1024}));
  EXPECT_EQ(load("segment = 500 KB\n").log->segment,
            (log::log_segment{log::log_segment::kind::bytes, 500u * 1024}));
  EXPECT_EQ(load("segment = 24 hr\n").log->segment,
            (log::log_segment{log::log_segment::kind::hours, 24}));
  EXPECT_EQ(load("segment = false\n").log->segment, log::log_segment{});
  EXPECT_EQ(load("expire = 3 day\n").log->expire,
            (log::log_expire{log::log_expire::kind::days, 3}));
  EXPECT_EQ(load("expire = 20 file\n").log->expire,
            (log::log_expire{log::log_expire::kind::segments, 20}));
}

TEST(log_section, bad_values_name_the_line_and_the_valid_values) {
  std::string e = error_of("verbose = loud\n");
  EXPECT_NE(e.find("d.conf:12:"), std::string::npos) << e;
  EXPECT_NE(e.find("all, debug, trace, interaction, standard, none"), std::string::npos) << e;
  EXPECT_NE(error_of("segment = 99 KB\n").find("at least 100"), std::string::npos);
  EXPECT_NE(error_of("segment = 0 hr\n").find("1-8760"), std::string::npos);
  EXPECT_NE(error_of("expire = 0\n").find("1-1000"), std::string::npos);
  EXPECT_NE(error_of("expire = 101 day\n").find("1-100 days"), std::string::npos);
  EXPECT_NE(error_of("standard = network\n").find("not supported"), std::string::npos);
  EXPECT_NE(error_of("standard = ,\n").find("stdout, stderr and file names"), std::string::npos);
  EXPECT_NE(error_of("time_format = unix\n").find("time, locale, ISO8601"), std::string::npos);
  EXPECT_NE(error_of("time_convert = gmt\n").find("local, utc"), std::string::npos);
}

TEST(log_section, an_unknown_option_gets_the_nearest_name) {
  std::string e = error_of("verbse = all\n");
  EXPECT_NE(e.find("d.conf:12: unknown option 'verbse' in [log] (did you mean 'verbose'?)"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of("keep-startup-file = true\n").find("unknown option 'keep-startup-file'"),
            std::string::npos);
}

}  // namespace
}  // namespace sipproxy::config
