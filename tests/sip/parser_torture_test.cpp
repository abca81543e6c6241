// Runs the parser over the torture corpus (tests/torture/, in the spirit of RFC 4475) and
// checks each message's verdict against tests/torture/index.txt: ok, 400 or 505 with a
// reason that says what is wrong, or drop (not SIP at all).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sip/parser.hpp"
#include "sip/torture_corpus.hpp"

namespace sipproxy::sip {
namespace {

const std::filesystem::path torture_dir = SIPPROXY_TORTURE_DIR;

struct torture_case {
  std::string file;
  std::string parser;  // ok, 400, 505, drop
  std::string reason;  // a piece of the reason phrase, may be empty
};

std::vector<torture_case> load_index() {
  std::vector<torture_case> out;
  std::ifstream in(torture_dir / "index.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    torture_case c;
    std::string proxy, udp, tcp;
    words >> c.file >> c.parser >> proxy >> udp >> tcp;
    std::getline(words, c.reason);
    c.reason.erase(0, c.reason.find_first_not_of(' '));
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(parser_torture, index_lists_every_message_once) {
  auto cases = load_index();
  ASSERT_GE(cases.size(), 50u) << "index.txt not found or nearly empty in " << torture_dir;
  std::set<std::string> listed;
  for (const auto& c : cases) EXPECT_TRUE(listed.insert(c.file).second) << c.file << " twice";
  std::set<std::string> present;
  for (const auto& e : std::filesystem::directory_iterator(torture_dir / "messages"))
    present.insert(e.path().filename().string());
  EXPECT_EQ(listed, present) << "index.txt and messages/ disagree";
}

TEST(parser_torture, every_message_gets_its_verdict) {
  for (const auto& c : load_index()) {
    SCOPED_TRACE(c.file);
    std::string bytes = fill_placeholders(read_bytes(torture_dir / "messages" / c.file));
    ASSERT_FALSE(bytes.empty());
    auto r = parse(bytes);
    if (c.parser == "drop") {
      EXPECT_FALSE(r.msg) << "parsed, verdict " << r.error_status << " " << r.error_reason;
      continue;
    }
    ASSERT_TRUE(r.msg) << "not recognised as SIP at all";
    if (c.parser == "ok") {
      EXPECT_EQ(r.error_status, 0) << r.error_reason;
      // What the proxy forwards must parse again to the same verdict.
      auto again = parse(r.msg->derive()->serialize());
      ASSERT_TRUE(again.msg);
      EXPECT_EQ(again.error_status, 0) << again.error_reason;
      EXPECT_EQ(again.msg->body(), r.msg->body());
      continue;
    }
    EXPECT_EQ(std::to_string(r.error_status), c.parser) << r.error_reason;
    EXPECT_FALSE(r.error_reason.empty());
    EXPECT_NE(lower(r.error_reason).find(lower(c.reason)), std::string::npos)
        << "reason '" << r.error_reason << "' does not say '" << c.reason << "'";
  }
}

}  // namespace
}  // namespace sipproxy::sip
