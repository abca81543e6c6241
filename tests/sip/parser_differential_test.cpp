// Our parser against libosip2 over every message kept in the tree: the torture corpus
// (placeholders filled as parser_torture_test.cpp fills them), the sip_message fuzz
// corpus and its regression inputs, and the parser_differential corpus: one example
// message for each row of the table, named after it. Every disagreement must be a known one
// (parser_differential.cpp's table, doc/parser-differential.md).
#include "sip/parser_differential.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sip/torture_corpus.hpp"

namespace sipproxy::sip {
namespace {

const std::filesystem::path torture_dir = SIPPROXY_TORTURE_DIR;
const std::filesystem::path fuzz_dir = SIPPROXY_FUZZ_DIR;

// Every input kept in the tree, by a name that says where it comes from.
std::map<std::string, std::string> inputs() {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(torture_dir / "messages"))
    out["torture/" + e.path().filename().string()] = fill_placeholders(read_bytes(e.path()));
  for (const char* dir :
       {"corpus/sip_message", "regressions/sip_message", "corpus/parser_differential"}) {
    if (!std::filesystem::exists(fuzz_dir / dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(fuzz_dir / dir)) {
      if (e.path().filename() == "README") continue;
      out[std::string(dir) + "/" + e.path().filename().string()] = read_bytes(e.path());
    }
  }
  return out;
}

const std::filesystem::path examples_dir = fuzz_dir / "corpus" / "parser_differential";

TEST(parser_differential, every_row_is_shown_by_its_example) {
  for (const auto& row : known_disagreements()) {
    SCOPED_TRACE(row.id);
    auto example = examples_dir / (std::string(row.id) + ".sip");
    if (!std::filesystem::exists(example)) {
      ADD_FAILURE() << "no example message " << example;
      continue;
    }
    auto d = compare_parsers(read_bytes(example));
    EXPECT_FALSE(d.disagreements.empty()) << "the example does not make the parsers disagree";
    bool shown = false;
    for (const auto& f : d.disagreements) {
      const auto* by = classify(d, f);
      EXPECT_TRUE(by) << describe(d, f);
      shown = shown || (by && by->id == row.id);
    }
    EXPECT_TRUE(shown) << "the example's disagreement is explained by another row";
  }
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(examples_dir))
    files += e.is_regular_file();
  EXPECT_EQ(files, known_disagreements().size())
      << "an example in " << examples_dir << " for no row";
}

TEST(parser_differential, every_row_is_in_the_doc) {
  std::string doc =
      read_bytes(torture_dir.parent_path().parent_path() / "doc" / "parser-differential.md");
  ASSERT_FALSE(doc.empty());
  for (const auto& row : known_disagreements())
    EXPECT_NE(doc.find("`" + std::string(row.id) + "`"), std::string::npos) << row.id;
}

const std::string plain_request =
    "OPTIONS sip:user@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK-d1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: d1@example.com\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com:5070;lr>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

TEST(parser_differential, both_parsers_agree_on_a_plain_request) {
  auto d = compare_parsers(plain_request);
  EXPECT_TRUE(d.ours_accepts);
  ASSERT_TRUE(d.osip);
  EXPECT_TRUE(d.disagreements.empty()) << describe(d, d.disagreements.front());
  EXPECT_EQ(d.osip->via_branch, "z9hG4bK-d1");
  EXPECT_EQ(d.osip->from_tag, "f1");
  EXPECT_EQ(d.osip->routes,
            (std::vector<routing_uri>{"sip:p1.example.com", "sip:p2.example.com:5070"}));
}

TEST(parser_differential, a_routing_field_read_differently_is_unclassified) {
  // What the check is for: were our parser to read the branch wrongly, nothing explains it.
  auto d = compare_parsers(plain_request);
  field_disagreement f{"via_branch", "z9hG4bK-other", "z9hG4bK-d1"};
  EXPECT_EQ(classify(d, f), nullptr);
}

// Found by fuzzing: libosip2 reads a Route host outside the grammar ('!') where we mark the
// entry unreadable; the route-unreadable row explains it, and only it.
TEST(parser_differential, a_route_libosip2_reads_outside_the_grammar_is_route_unreadable) {
  std::string m = plain_request;
  m.replace(m.find("<sip:p1.example.com;lr>"), 23, "<sip:127.0.!0.1:5060;lr>");
  auto d = compare_parsers(m);
  ASSERT_EQ(d.disagreements.size(), 1u);
  EXPECT_EQ(d.osip->routes.front(), "sip:127.0.!0.1:5060");
  const auto* row = classify(d, d.disagreements.front());
  ASSERT_TRUE(row) << describe(d, d.disagreements.front());
  EXPECT_EQ(row->id, "route-unreadable");
}

// Found by fuzzing: a response whose CSeq method is no token (an 0x1f inside).
TEST(parser_differential, a_response_cseq_method_outside_token_is_response_missing_header) {
  auto d = compare_parsers(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx\r\nFrom: "
      "<sip:a@b>;tag=1\r\n"
      "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INV\x1fTE\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(d.disagreements.size(), 1u);
  const auto* row = classify(d, d.disagreements.front());
  ASSERT_TRUE(row) << describe(d, d.disagreements.front());
  EXPECT_EQ(row->id, "response-missing-header");
}

// Found by fuzzing: "SIP/2.0 200" LF "K$ O": libosip2 looks for the SP before the reason
// across the line end; we drop the message. The start line is no Status-Line.
TEST(parser_differential, a_status_line_without_its_second_space_is_start_line_not_sip) {
  auto d = compare_parsers(
      "SIP/2.0 200\nK$ O\rVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\n"
      "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(d.disagreements.size(), 1u);
  const auto* row = classify(d, d.disagreements.front());
  ASSERT_TRUE(row) << describe(d, d.disagreements.front());
  EXPECT_EQ(row->id, "start-line-not-sip");
}

TEST(parser_differential, every_disagreement_is_a_known_one) {
  auto all = inputs();
  ASSERT_GE(all.size(), 70u) << "torture or corpus messages not found";
  for (const auto& [name, bytes] : all) {
    auto d = compare_parsers(bytes);
    for (const auto& f : d.disagreements) {
      const auto* row = classify(d, f);
      if (!row) ADD_FAILURE() << name << ": " << describe(d, f);
    }
  }
}

}  // namespace
}  // namespace sipproxy::sip
