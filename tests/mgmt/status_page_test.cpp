#include "mgmt/status_page.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::mgmt {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// A status document shaped as management::status_document() makes it.
json sample() {
  return json::parse(R"json({
    "application": "SIPProxy_1", "version": "1.0.0", "mode": "cluster", "sipproxy_role": 10,
    "uptime_s": 3725, "draining": false,
    "listeners": {"sip": "127.0.0.1:5060 udp+tcp", "mgmt": "127.0.0.1:5061",
                  "http": "127.0.0.1:8061"},
    "counters": {"requests": 12, "failover_retries": 3},
    "transactions": {"server": 1, "client": 2, "awaiting_final": 0},
    "registrations": 4, "sessions": 5, "dialogs": 7,
    "alarms": ["40001 SPR_SIPS_HA_PAIR_UNAVAILABLE SIP Server HA pair SIPServer_B (primary 127.0.0.1:5090)"],
    "shared_storage": {"backend": "peers"},
    "feature_servers": [],
    "servers": [
      {"name": "SIPServer_A", "index": 0, "geo_location": "", "available": true,
       "new_dialogs_to": "127.0.0.1:5070", "dialogs": 6,
       "members": [
         {"role": "primary", "address": "127.0.0.1:5070", "state": "active",
          "last_rtt_ms": 0.42, "probes_sent": 9, "probes_answered": 9},
         {"role": "backup", "address": "127.0.0.1:5071", "state": "out-of-service",
          "last_rtt_ms": null, "probes_sent": 9, "probes_answered": 0}]},
      {"name": "SIPServer_B", "index": 1, "geo_location": "paris", "available": false,
       "new_dialogs_to": null, "dialogs": 1,
       "members": [
         {"role": "primary", "address": "127.0.0.1:5090", "state": "inactive",
          "last_rtt_ms": 1.5, "probes_sent": 3, "probes_answered": 3}]}],
    "peers": [
      {"name": "SIPProxy_2", "address": "127.0.0.2:5061", "link": "up", "since_s": 12,
       "queued": 0, "lag_ms": 0, "records_sent": 10, "records_received": 11,
       "disconnects": 0, "rtt_ms": 0.3},
      {"name": "SIPProxy_3", "address": "127.0.0.3:5061", "link": "down", "since_s": 40,
       "queued": 2, "lag_ms": 900, "records_sent": 0, "records_received": 0,
       "disconnects": 1, "rtt_ms": null, "error": "connection refused"}]
  })json");
}

TEST(HtmlEscape, EscapesEveryCharacterThatEndsTextOrAnAttribute) {
  EXPECT_EQ(html_escape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("SIPServer_A 127.0.0.1:5060"), "SIPServer_A 127.0.0.1:5060");
  EXPECT_EQ(html_escape(""), "");
}

TEST(StatusPage, ShowsPairsMembersAndTheirStates) {
  std::string f = status_fragment(sample());
  EXPECT_TRUE(contains(f, "<tr class=\"pair\" data-pair=\"SIPServer_A\">")) << f;
  EXPECT_TRUE(contains(f, "<tr class=\"member\" data-pair=\"SIPServer_A\" data-role=\"backup\">"));
  EXPECT_TRUE(contains(f, "<td class=\"state ok\">active</td>"));
  EXPECT_TRUE(contains(f, "<td class=\"state bad\">out-of-service</td>"));
  EXPECT_TRUE(contains(f, "<td class=\"state warn\">inactive</td>"));
  EXPECT_TRUE(contains(f, "<td class=\"state bad\">unavailable</td>"));  // SIPServer_B
  EXPECT_TRUE(contains(f, "0.4&nbsp;ms"));                               // last OPTIONS RTT
  EXPECT_TRUE(contains(f, "<td>9 / 9</td>"));                            // probes
  EXPECT_TRUE(contains(f, "<td>6</td>"));                                // SIPServer_A dialogs
  EXPECT_TRUE(contains(f, "<span class=\"geo\">(paris)</span>"));
}

TEST(StatusPage, ShowsPeersAlarmsStorageAndCounters) {
  std::string f = status_fragment(sample());
  EXPECT_TRUE(contains(f, "<tr class=\"peer\" data-peer=\"SIPProxy_2\">")) << f;
  EXPECT_TRUE(contains(f, "<td class=\"state ok\">up</td>"));
  EXPECT_TRUE(contains(f, "<td class=\"state bad\">down</td>"));
  EXPECT_TRUE(contains(f, "connection refused"));
  EXPECT_TRUE(contains(f, "<h2>Alarms (1)</h2>"));
  EXPECT_TRUE(contains(f, "<li class=\"alarm\">40001 SPR_SIPS_HA_PAIR_UNAVAILABLE"));
  EXPECT_TRUE(contains(f, "<span id=\"storage-backend\">peers</span>"));
  EXPECT_TRUE(contains(f, "<th scope=\"row\">failover retries</th><td>3</td>"));
  EXPECT_TRUE(contains(f, "<tr data-counter=\"failover_retries\">"));
  EXPECT_TRUE(contains(f, "up 1&nbsp;h 2&nbsp;min"));
  EXPECT_TRUE(contains(f, "<span id=\"serving\" class=\"ok\">serving</span>"));
}

TEST(StatusPage, ShowsCounterRatesWhenThereAreAny) {
  json doc = sample();
  std::string f = status_fragment(doc);
  EXPECT_TRUE(contains(f, "<th>Per second (from the next read)</th>")) << f;
  EXPECT_TRUE(contains(f,
                       "<tr data-counter=\"requests\"><th scope=\"row\">requests</th>"
                       "<td>12</td><td>\u2014</td></tr>"));
  doc["rates"] = json{{"window_s", 5.0}, {"per_second", {{"requests", 2.4}}}};
  f = status_fragment(doc);
  EXPECT_TRUE(contains(f, "<th>Per second, last 5&nbsp;s</th>")) << f;
  EXPECT_TRUE(contains(f, "<td>12</td><td>2.4</td>"));
  EXPECT_TRUE(contains(f, "<td>3</td><td>\u2014</td>"));  // failover retries: no rate
}

TEST(StatusPage, ShowsRedisStorageAndAPoolOfOne) {
  json doc = sample();
  doc["peers"] = json::array();
  doc["alarms"] = json::array();
  doc["shared_storage"] = json::parse(R"({"backend": "redis", "address": "127.0.0.1:6379",
    "mode": "standalone", "state": "down", "state_for_s": 5, "bindings": 1, "sessions": 0,
    "queued": 3, "queue_cap": 20000, "outages": 1, "error": "Connection refused"})");
  std::string f = status_fragment(doc);
  EXPECT_TRUE(contains(f, "No peer: this instance is a pool of one.")) << f;
  EXPECT_TRUE(contains(f, "No alarm raised."));
  EXPECT_TRUE(contains(f, "<span id=\"storage-backend\">redis</span>, 127.0.0.1:6379"));
  EXPECT_TRUE(contains(f, "<tr><th scope=\"row\">State</th><td class=\"state bad\">down</td>"));
  EXPECT_TRUE(contains(f, "<td>3 (at most 20000)</td>"));
}

TEST(StatusPage, EscapesEveryValueFromConfigurationOrTheWire) {
  json doc = sample();
  const std::string evil = "<script>alert('x')</script>\"&";
  const std::string escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;";
  doc["application"] = evil;
  doc["alarms"] = json::array({evil});
  doc["servers"][0]["name"] = evil;
  doc["servers"][0]["members"][0]["address"] = evil;
  doc["servers"][0]["members"][0]["state"] = evil;
  doc["servers"][0]["members"][0]["role"] = evil;
  doc["peers"][0]["name"] = evil;
  doc["peers"][1]["error"] = evil;
  doc["peers"][1]["link"] = evil;
  doc["counters"][evil] = evil;
  std::string page = status_page(doc, "abc123");
  EXPECT_FALSE(contains(page, "<script>alert")) << page;
  EXPECT_FALSE(contains(page, "alert('x')"));
  EXPECT_TRUE(contains(page, escaped));
  EXPECT_TRUE(contains(page, "<title>sipproxy " + escaped + "</title>"));
  // In attributes too, and an unknown state gets no class of its own.
  EXPECT_TRUE(contains(page, "data-pair=\"" + escaped + "\""));
  EXPECT_TRUE(contains(page, "data-peer=\"" + escaped + "\""));
  EXPECT_TRUE(contains(page, "<td class=\"state unknown\">" + escaped + "</td>"));
  // The only script is the page's own, with the nonce.
  std::size_t scripts = 0;
  for (auto at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1))
    ++scripts;
  EXPECT_EQ(scripts, 1u);
  EXPECT_TRUE(contains(page, "<script nonce=\"abc123\">"));
}

TEST(StatusPage, SurvivesADocumentWithFieldsMissingOrOfTheWrongType) {
  EXPECT_TRUE(contains(status_fragment(json::object()), "<h2>SIP Server pairs (0)</h2>"));
  EXPECT_TRUE(contains(status_fragment(json(nullptr)), "No alarm raised."));
  json doc = sample();
  doc["servers"][0]["members"] = "not a list";
  doc["servers"][1] = 42;
  doc["peers"][0]["since_s"] = -5;
  doc["uptime_s"] = "soon";
  std::string f = status_fragment(doc);
  EXPECT_TRUE(contains(f, "data-pair=\"SIPServer_A\"")) << f;
  EXPECT_TRUE(contains(f, "up \u2014"));
}

TEST(StatusPage, IsOneSelfContainedDocumentThatRefreshesItsLivePart) {
  std::string page = status_page(sample(), "n0nce");
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(contains(page, "<main id=\"live\">\n" + status_fragment(sample()) + "</main>"));
  EXPECT_TRUE(contains(page, "<style nonce=\"n0nce\">"));
  EXPECT_TRUE(contains(page, "fetch('?fragment=1'"));
  EXPECT_TRUE(contains(page, "<a href=\"/\">Reload</a>"));
  // No external asset: nothing is loaded from elsewhere.
  EXPECT_FALSE(contains(page, "src="));
  EXPECT_FALSE(contains(page, "<link"));
  EXPECT_FALSE(contains(page, "http://"));
  EXPECT_FALSE(contains(page, "https://"));
}

TEST(StatusPageCsp, AllowsOnlyTheNoncedStyleAndScriptAndFetchingItself) {
  EXPECT_EQ(status_page_csp("n0nce"),
            "default-src 'none'; style-src 'nonce-n0nce'; script-src 'nonce-n0nce'; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

}  // namespace
}  // namespace sipproxy::mgmt
