#include "config/option_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::config {
namespace {

const option_spec& spec(std::string_view name) {
  const option_spec* s = find_option(name);
  if (!s) {
    ADD_FAILURE() << "option '" << name << "' is missing from the table";
    static const option_spec none{};
    return none;
  }
  return *s;
}

void expect_integer(std::string_view name, std::string_view def, std::int64_t min, std::int64_t max,
                    takes_effect effect) {
  SCOPED_TRACE(std::string(name));
  const option_spec& s = spec(name);
  EXPECT_EQ(s.name, name);
  EXPECT_EQ(s.default_value, def);
  EXPECT_EQ(s.kind, value_kind::integer);
  EXPECT_EQ(s.min, min);
  EXPECT_EQ(s.max, max);
  EXPECT_EQ(s.effect, effect);
  EXPECT_EQ(s.scope, option_scope::deployment);
  EXPECT_FALSE(s.summary.empty());
}

TEST(option_table, oos_check) {
  expect_integer("oos-check", "5", 0, 300, takes_effect::immediately);
}

TEST(option_table, oos_force) {
  expect_integer("oos-force", "5", 1, 32, takes_effect::immediately);
}

TEST(option_table, send_data_timeout) {
  expect_integer("send-data-timeout", "100", 1, 30000, takes_effect::immediately);
}

TEST(option_table, wait_response_timeout) {
  expect_integer("wait-response-timeout", "5", 1, 300, takes_effect::immediately);
}

TEST(option_table, client_side_port) {
  expect_integer("client-side-port", "0", 0, 65535, takes_effect::after_restart);
}

TEST(option_table, limits) {
  expect_integer("max-connections-per-source", "256", 0, 65535, takes_effect::after_restart);
  expect_integer("max-transactions", "10000", 0, 2147483647, takes_effect::immediately);
  expect_integer("max-registrations-per-aor", "20", 0, 2147483647, takes_effect::next_register);
  EXPECT_EQ(describe_range(spec("max-transactions")), "0 or more");
  EXPECT_TRUE(check_value(spec("max-connections-per-source"), "-1"));
  EXPECT_TRUE(check_value(spec("max-connections-per-source"), "65536"));
}

TEST(option_table, sip_ip_tos) {
  const option_spec& s = spec("sip-ip-tos");
  EXPECT_EQ(s.default_value, "256");
  EXPECT_EQ(s.kind, value_kind::integer);
  EXPECT_EQ(s.effect, takes_effect::after_restart);
  // 0-255 are TOS bytes; the default 256 (the OS's choice) must itself be accepted.
  EXPECT_FALSE(check_value(s, "0"));
  EXPECT_FALSE(check_value(s, "255"));
  EXPECT_FALSE(check_value(s, "256"));
  EXPECT_TRUE(check_value(s, "257"));
  EXPECT_TRUE(check_value(s, "-1"));
}

TEST(option_table, overload_ctrl_dialog_rate) {
  const option_spec& s = spec("overload-ctrl-dialog-rate");
  EXPECT_EQ(s.default_value, "0");
  EXPECT_EQ(s.kind, value_kind::integer);
  EXPECT_EQ(s.min, 0);
  EXPECT_EQ(s.effect, takes_effect::immediately);
  EXPECT_FALSE(check_value(s, "0"));
  EXPECT_FALSE(check_value(s, "1000000"));
  EXPECT_TRUE(check_value(s, "-5"));
}

TEST(option_table, registrar_default_timeout) {
  const option_spec& s = spec("registrar-default-timeout");
  EXPECT_EQ(s.default_value, "0");
  EXPECT_EQ(s.kind, value_kind::integer);
  EXPECT_EQ(s.min, 0);
  EXPECT_EQ(s.effect, takes_effect::next_register);
  EXPECT_EQ(describe_effect(s.effect), "on the next REGISTER");
  EXPECT_FALSE(check_value(s, "3600"));
}

TEST(option_table, sipproxy_role) {
  const option_spec& s = spec("sipproxy-role");
  EXPECT_EQ(s.default_value, "0");
  EXPECT_EQ(s.kind, value_kind::choice);
  EXPECT_EQ(s.choices, "0,10");
  EXPECT_EQ(s.effect, takes_effect::after_restart);
  EXPECT_EQ(describe_range(s), "0, 10");
  EXPECT_FALSE(check_value(s, "0"));
  EXPECT_FALSE(check_value(s, "10"));
  EXPECT_TRUE(check_value(s, "1"));
  EXPECT_TRUE(check_value(s, "5"));
  EXPECT_TRUE(check_value(s, ""));
  EXPECT_TRUE(check_value(s, "0,10"));
}

TEST(option_table, resolve_host) {
  const option_spec& s = spec("resolve-host");
  EXPECT_EQ(s.default_value, "false");
  EXPECT_EQ(s.kind, value_kind::boolean);
  EXPECT_EQ(s.effect, takes_effect::after_restart);
  EXPECT_FALSE(check_value(s, "true"));
  EXPECT_FALSE(check_value(s, "false"));
  EXPECT_TRUE(check_value(s, "yes"));
  EXPECT_TRUE(check_value(s, "1"));
}

TEST(option_table, string_options_of_the_seed_default_to_null) {
  for (std::string_view name :
       {"applications", "contact-address", "feature-server-address", "geo-location",
        "internal-domain", "serving-sipserver", "sip-address", "sipproxy-applications"}) {
    SCOPED_TRACE(std::string(name));
    const option_spec& s = spec(name);
    EXPECT_EQ(s.default_value, "");
    EXPECT_EQ(s.scope, option_scope::deployment);
  }
  EXPECT_EQ(spec("feature-server-address").effect, takes_effect::immediately);
  EXPECT_EQ(spec("applications").effect, takes_effect::after_restart);
  EXPECT_EQ(spec("serving-sipserver").effect, takes_effect::after_restart);
}

TEST(option_table, feature_server_address_takes_one_host_port_or_a_list) {
  const option_spec& s = spec("feature-server-address");
  EXPECT_EQ(s.kind, value_kind::host_port_list);
  EXPECT_FALSE(check_value(s, ""));
  EXPECT_FALSE(check_value(s, "fs.example.com:5080"));
  EXPECT_FALSE(check_value(s, "10.0.0.1:5080,10.0.0.2:5080"));
  EXPECT_FALSE(check_value(s, "10.0.0.1:5080 , [2001:db8::1]:5080"));
  for (std::string_view bad : {"10.0.0.1:5080,", ",10.0.0.1:5080", "10.0.0.1:5080,,10.0.0.2:5080",
                               "10.0.0.1:5080,fs2", "10.0.0.1:5080,fs2:0", "10.0.0.1"}) {
    SCOPED_TRACE(std::string(bad));
    auto why = check_value(s, bad);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("host:port"), std::string::npos) << *why;
  }
  auto twice = check_value(s, "10.0.0.1:5080, 10.0.0.1:5080");
  ASSERT_TRUE(twice);
  EXPECT_NE(twice->find("listed twice"), std::string::npos) << *twice;
  EXPECT_EQ(describe_range(s), "host:port[;geo-location=NAME], or a comma-separated list of them");
}

TEST(option_table, feature_server_entries_may_name_their_geo_location) {
  const option_spec& s = spec("feature-server-address");
  EXPECT_FALSE(check_value(s, "fs1:5080;geo-location=dc1"));
  EXPECT_FALSE(
      check_value(s, "fs1:5080 ; geo-location = dc1, [2001:db8::1]:5080;geo-location=DC2"));
  for (std::string_view bad : {"fs1:5080;geo-location=", "fs1:5080;geo-location=dc-1",
                               "fs1:5080;geo=dc1", "fs1:5080;", "fs1:5080;geo-location"}) {
    SCOPED_TRACE(std::string(bad));
    auto why = check_value(s, bad);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("geo-location=NAME"), std::string::npos) << *why;
  }
  auto twice = check_value(s, "fs1:5080;geo-location=dc1, fs1:5080;geo-location=dc2");
  ASSERT_TRUE(twice);
  EXPECT_NE(twice->find("listed twice"), std::string::npos) << *twice;
}

TEST(option_table, names_are_unique) {
  auto all = options();
  for (std::size_t i = 0; i < all.size(); ++i)
    for (std::size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i].name, all[j].name);
}

TEST(option_table, every_default_passes_its_own_check) {
  for (const auto& s : options()) {
    if (s.default_value.empty()) continue;
    EXPECT_FALSE(check_value(s, s.default_value)) << s.name << " = " << s.default_value;
  }
}

TEST(option_table, shared_storage_says_its_form) {
  const option_spec& s = spec("shared-storage");
  EXPECT_EQ(s.default_value, "peers");
  EXPECT_EQ(s.effect, takes_effect::after_restart);
  EXPECT_EQ(describe_range(s),
            "peers, redis://[:PASSWORD@]IP:PORT[/DB], "
            "redis-cluster://[:PASSWORD@]IP:PORT[,IP:PORT...], "
            "redis-sentinel://[:PASSWORD@]IP:PORT[,IP:PORT...]/MASTER[/DB]");
  EXPECT_EQ(describe_range(spec("mgmt-token")), "any string");
}

TEST(option_table, unknown_name_is_not_found) {
  EXPECT_EQ(find_option("no-such-option"), nullptr);
  EXPECT_EQ(find_option("OOS-CHECK"), nullptr);
}

TEST(option_table, check_value_integer_range) {
  const option_spec& s = spec("oos-check");
  EXPECT_FALSE(check_value(s, "0"));
  EXPECT_FALSE(check_value(s, "300"));
  auto high = check_value(s, "301");
  ASSERT_TRUE(high);
  EXPECT_NE(high->find("0-300"), std::string::npos) << *high;
  EXPECT_NE(high->find("'301'"), std::string::npos) << *high;
  EXPECT_TRUE(check_value(s, "-1"));
  EXPECT_TRUE(check_value(s, ""));
  EXPECT_TRUE(check_value(s, "5s"));
  EXPECT_TRUE(check_value(s, " 5"));
  EXPECT_TRUE(check_value(s, "abc"));

  const option_spec& f = spec("oos-force");
  EXPECT_TRUE(check_value(f, "0"));
  EXPECT_FALSE(check_value(f, "1"));
  EXPECT_FALSE(check_value(f, "32"));
  EXPECT_TRUE(check_value(f, "33"));
}

TEST(option_table, check_value_host_port) {
  const option_spec& s = spec("contact-address");
  EXPECT_EQ(s.kind, value_kind::host_port);
  EXPECT_FALSE(check_value(s, "proxy.example.com:5060"));
  EXPECT_FALSE(check_value(s, "[2001:db8::1]:5060"));
  EXPECT_FALSE(check_value(s, ""));
  EXPECT_TRUE(check_value(s, "proxy.example.com"));
  EXPECT_TRUE(check_value(s, "proxy.example.com:0"));
  EXPECT_TRUE(check_value(s, "proxy.example.com:65536"));
  EXPECT_TRUE(check_value(s, ":5060"));
  EXPECT_TRUE(check_value(s, "[2001:db8::1]"));
}

TEST(option_table, geo_location_is_letters_and_digits) {
  const auto& s = spec("geo-location");
  EXPECT_EQ(s.kind, value_kind::word);
  EXPECT_FALSE(check_value(s, ""));
  EXPECT_FALSE(check_value(s, "dc1"));
  EXPECT_FALSE(check_value(s, "EMEA2"));
  for (const char* bad : {"dc-1", "dc_1", "dc 1", "dc.1", "dc/1", "\xc3\xa9t\xc3\xa9"})
    EXPECT_TRUE(check_value(s, bad)) << bad;
}

TEST(option_table, describe_range_in_words) {
  EXPECT_EQ(describe_range(spec("oos-check")), "0-300");
  EXPECT_EQ(describe_range(spec("send-data-timeout")), "1-30000");
  EXPECT_EQ(describe_range(spec("resolve-host")), "true, false");
  EXPECT_EQ(describe_range(spec("geo-location")), "letters and digits (A-Z, a-z, 0-9)");
  EXPECT_EQ(describe_effect(takes_effect::immediately), "immediately");
  EXPECT_EQ(describe_effect(takes_effect::after_restart), "after restart");
}

TEST(option_table, nearest_option_suggests_close_names) {
  EXPECT_EQ(nearest_option("oos-chek"), "oos-check");
  EXPECT_EQ(nearest_option("oos-forse"), "oos-force");
  EXPECT_EQ(nearest_option("sipproxy_role"), "sipproxy-role");
  EXPECT_EQ(nearest_option("resolvehost"), "resolve-host");
  EXPECT_EQ(nearest_option("completely-unrelated-thing"), "");
}

}  // namespace
}  // namespace sipproxy::config
