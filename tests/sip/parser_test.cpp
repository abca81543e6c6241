#include "sip/parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipproxy::sip {
namespace {

const char* invite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds, SIP/2.0/UDP "
    "10.0.0.2;branch=z9hG4bKx\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

TEST(parser, parses_request_and_splits_via_list) {
  auto r = parse(invite);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_TRUE(r.msg->is_request());
  EXPECT_EQ(r.msg->method(), "INVITE");
  EXPECT_EQ(r.msg->request_uri(), "sip:bob@example.com");
  EXPECT_EQ(r.msg->count(header_id::via), 2u);
  EXPECT_EQ(r.msg->body(), "v=0\n");
}

TEST(parser, missing_call_id_is_400_with_reason) {
  std::string m = invite;
  m.erase(m.find("Call-ID"), std::string("Call-ID: a84b4c76e66710\r\n").size());
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Missing Call-ID header");
}

TEST(parser, content_length_beyond_datagram_is_400) {
  std::string m = invite;
  m.replace(m.find("Content-Length: 4"), 17, "Content-Length: 400");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
}

TEST(parser, garbage_is_not_a_message) {
  EXPECT_FALSE(parse("\x01\x02garbage without lines").msg);
  EXPECT_FALSE(parse("").msg);
}

TEST(parser, folded_header_and_compact_forms) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "f: <sip:a@b>;tag=1\r\n"
      "t: <sip:x@y>\r\n"
      "i: abc\r\n"
      "CSeq: 1\r\n OPTIONS\r\n"
      "l: 0\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::cseq), "1 OPTIONS");
  EXPECT_EQ(r.msg->value(header_id::call_id), "abc");
}

TEST(parser, wrong_version_is_505) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/7.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:x@y>\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 505);
}

TEST(parser, serialize_round_trips_and_fixes_content_length) {
  auto r = parse(invite);
  ASSERT_TRUE(r.msg);
  std::string out = r.msg->serialize();
  auto again = parse(out);
  ASSERT_TRUE(again.msg);
  EXPECT_EQ(again.error_status, 0);
  EXPECT_EQ(again.msg->count(header_id::via), 2u);
  EXPECT_NE(out.find("Content-Length: 4\r\n\r\nv=0\n"), std::string::npos);
}

// --- RFC 4475-style cases -------------------------------------------------------------

// The mandatory headers of an OPTIONS request, for cases that vary one thing.
std::string options_with(const std::string& extra, const std::string& body = {}) {
  return "OPTIONS sip:x@example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"
         "From: <sip:a@example.com>;tag=1\r\n"
         "To: <sip:x@example.com>\r\n"
         "Call-ID: abc\r\n"
         "CSeq: 1 OPTIONS\r\n" +
         extra + "\r\n" + body;
}

std::string_view other_value(const message& m, std::string_view name) {
  for (const auto& h : m.headers()) {
    if (h.id == header_id::other && iequals(h.name, name)) return h.value;
  }
  return "<absent>";
}

TEST(parser, baseline_options_is_valid) {
  auto r = parse(options_with(""));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->method(), "OPTIONS");
  EXPECT_EQ(r.msg->body(), "");
}

TEST(parser, folding_over_several_lines_joins_with_one_space) {
  auto r =
      parse(options_with("Subject: I know you're there,\r\n"
                         "         pick up the phone\r\n"
                         "\t and talk to me!\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(other_value(*r.msg, "Subject"),
            "I know you're there, pick up the phone and talk to me!");
}

TEST(parser, folded_via_list_is_split_after_unfolding) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n"
      "  SIP/2.0/TCP b.example.com;branch=z9hG4bK2\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  ASSERT_EQ(r.msg->count(header_id::via), 2u);
  EXPECT_EQ(r.msg->headers()[0].value, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
  EXPECT_EQ(r.msg->headers()[1].value, "SIP/2.0/TCP b.example.com;branch=z9hG4bK2");
}

TEST(parser, continuation_right_after_start_line_is_400) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      " stray continuation\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\n"
      "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Continuation line without a header");
}

TEST(parser, all_compact_forms_map_to_their_headers) {
  auto r = parse(
      "INVITE sip:x@y SIP/2.0\r\n"
      "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "f: <sip:a@b>;tag=1\r\n"
      "t: <sip:x@y>\r\n"
      "i: compact-call\r\n"
      "CSeq: 8 INVITE\r\n"
      "m: <sip:a@10.0.0.1>\r\n"
      "c: application/sdp\r\n"
      "k: 100rel\r\n"
      "o: presence\r\n"
      "l: 3\r\n\r\nabc");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::via), "SIP/2.0/UDP h;branch=z9hG4bK1");
  EXPECT_EQ(r.msg->value(header_id::from), "<sip:a@b>;tag=1");
  EXPECT_EQ(r.msg->value(header_id::to), "<sip:x@y>");
  EXPECT_EQ(r.msg->value(header_id::call_id), "compact-call");
  EXPECT_EQ(r.msg->value(header_id::contact), "<sip:a@10.0.0.1>");
  EXPECT_EQ(r.msg->value(header_id::content_type), "application/sdp");
  EXPECT_EQ(r.msg->value(header_id::supported), "100rel");
  EXPECT_EQ(r.msg->value(header_id::event), "presence");
  EXPECT_EQ(r.msg->value(header_id::content_length), "3");
  EXPECT_EQ(r.msg->body(), "abc");
  // The name is kept as received.
  EXPECT_EQ(r.msg->first(header_id::via)->name, "v");
}

TEST(parser, header_names_are_case_insensitive) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "VIA: SIP/2.0/UDP h;branch=z9hG4bK1\r\nfrom: <sip:a@b>;tag=1\r\nTO: <sip:x@y>\r\n"
      "call-id: c\r\ncseq: 1 OPTIONS\r\nmAX-fORWARDS: 70\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::max_forwards), "70");
  EXPECT_EQ(r.msg->value(header_id::call_id), "c");
}

TEST(parser, quoted_comma_in_route_display_name_does_not_split) {
  auto r = parse(options_with(
      "Route: \"Proxy, the first\" <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  ASSERT_EQ(r.msg->count(header_id::route), 2u);
  std::vector<std::string_view> routes;
  for (const auto& h : r.msg->headers())
    if (h.id == header_id::route) routes.push_back(h.value);
  EXPECT_EQ(routes[0], "\"Proxy, the first\" <sip:p1.example.com;lr>");
  EXPECT_EQ(routes[1], "<sip:p2.example.com;lr>");
}

TEST(parser, escaped_quote_and_comma_inside_quoted_string_do_not_split) {
  auto r = parse(options_with(
      "Record-Route: \"a\\\",b\" <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  ASSERT_EQ(r.msg->count(header_id::record_route), 2u);
  EXPECT_EQ(r.msg->value(header_id::record_route), "\"a\\\",b\" <sip:p1.example.com;lr>");
}

TEST(parser, comma_inside_angle_brackets_does_not_split) {
  auto r = parse(options_with("Route: <sip:p1.example.com;lr;x=a,b>\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->count(header_id::route), 1u);
  EXPECT_EQ(r.msg->value(header_id::route), "<sip:p1.example.com;lr;x=a,b>");
}

TEST(parser, quoted_comma_in_via_param_does_not_split) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1;x=\"a,b\"\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->count(header_id::via), 1u);
  EXPECT_EQ(r.msg->value(header_id::via), "SIP/2.0/UDP h;branch=z9hG4bK1;x=\"a,b\"");
}

TEST(parser, several_via_values_on_several_lines_keep_order) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "Via: SIP/2.0/UDP one;branch=z9hG4bK1 , SIP/2.0/UDP two;branch=z9hG4bK2\r\n"
      "Max-Forwards: 70\r\n"
      "v: SIP/2.0/TCP three;branch=z9hG4bK3,SIP/2.0/UDP four;branch=z9hG4bK4\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  std::vector<std::string_view> vias;
  for (const auto& h : r.msg->headers())
    if (h.id == header_id::via) vias.push_back(h.value);
  ASSERT_EQ(vias.size(), 4u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP one;branch=z9hG4bK1");
  EXPECT_EQ(vias[1], "SIP/2.0/UDP two;branch=z9hG4bK2");
  EXPECT_EQ(vias[2], "SIP/2.0/TCP three;branch=z9hG4bK3");
  EXPECT_EQ(vias[3], "SIP/2.0/UDP four;branch=z9hG4bK4");
}

TEST(parser, empty_entry_in_via_list_is_400) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "Via: SIP/2.0/UDP one;branch=z9hG4bK1,,SIP/2.0/UDP two;branch=z9hG4bK2\r\n"
      "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Empty entry in Via header");
}

TEST(parser, unknown_headers_are_kept_unsplit_and_serialized) {
  auto r =
      parse(options_with("X-Unknown-Thing: a, b ,c\r\nNewFangledHeader:   newfangled value\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(other_value(*r.msg, "X-Unknown-Thing"), "a, b ,c");
  EXPECT_EQ(other_value(*r.msg, "NewFangledHeader"), "newfangled value");
  std::string out = r.msg->serialize();
  EXPECT_NE(out.find("X-Unknown-Thing: a, b ,c\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("NewFangledHeader: newfangled value\r\n"), std::string::npos) << out;
}

TEST(parser, whitespace_around_colon_is_ignored) {
  auto r = parse(
      "OPTIONS sip:x@y SIP/2.0\r\n"
      "Via   :   SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
      "From\t: <sip:a@b>;tag=1\r\nTo:<sip:x@y>\r\nCall-ID : c\r\nCSeq :1 OPTIONS\r\n"
      "Subject   : x\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::via), "SIP/2.0/UDP h;branch=z9hG4bK1");
  EXPECT_EQ(r.msg->value(header_id::call_id), "c");
  EXPECT_EQ(r.msg->value(header_id::to), "<sip:x@y>");
  EXPECT_EQ(other_value(*r.msg, "Subject"), "x");
}

TEST(parser, leading_crlfs_before_start_line_are_skipped) {
  auto r = parse("\r\n\r\n\r\n" + options_with(""));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->method(), "OPTIONS");
  EXPECT_EQ(r.msg->request_uri(), "sip:x@example.com");
}

TEST(parser, bare_lf_line_endings_are_accepted) {
  auto r = parse(
      "INVITE sip:x@y SIP/2.0\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
      "From: <sip:a@b>;tag=1\n"
      "To: <sip:x@y>\n"
      "Call-ID: lf\n"
      "CSeq: 2 INVITE\n"
      "Content-Length: 5\n"
      "\n"
      "hello");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::call_id), "lf");
  EXPECT_EQ(r.msg->value(header_id::cseq), "2 INVITE");
  EXPECT_EQ(r.msg->body(), "hello");
}

TEST(parser, nul_in_a_header_is_400) {
  // The request can still be answered: refuse it, saying why.
  static const char line[] = "Subject: a\0b\r\n";
  std::string with_nul = options_with(std::string(line, sizeof line - 1));
  ASSERT_NE(with_nul.find('\0'), std::string::npos);
  auto r = parse(with_nul);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "NUL byte in the header section");
}

TEST(parser, bare_cr_in_a_header_is_400) {
  // Found by the differential check against libosip2: a CR not followed by LF inside a
  // value was kept, and forwarded (tests/fuzz/regressions/sip_message/bare-cr-*).
  for (const char* line : {"Subject: a@b\r\x1b\r\n", "Subject: a\rb\r\n", "X-A: 1\r\r\n"}) {
    SCOPED_TRACE(line);
    auto r = parse(options_with(line));
    ASSERT_TRUE(r.msg);
    EXPECT_EQ(r.error_status, 400);
    EXPECT_EQ(r.error_reason, "Bare CR in the header section");
  }
}

TEST(parser, raw_non_ascii_in_request_uri_is_400) {
  // Found by the libosip2 differential (regressions/sip_message/raw-octets-in-request-uri).
  std::string text = options_with("");
  text.replace(text.find("sip:x@"), 6, "sip:x\x7f\xc3\xa9@");
  auto r = parse(text);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Malformed Request-URI");
  // Escaped, the same octets are fine.
  text = options_with("");
  text.replace(text.find("sip:x@"), 6, "sip:x%7f%c3%a9@");
  EXPECT_EQ(parse(text).error_status, 0);
}

TEST(parser, call_id_outside_the_word_grammar_is_400) {
  // Found by the libosip2 differential (regressions/sip_message/call-id-with-white-space).
  for (const char* bad : {"a b@c", "a@b@c", "a@", "@b", "a\tb", "a\x01", "a\x7f"}) {
    SCOPED_TRACE(bad);
    std::string text = options_with("");
    text.replace(text.find("Call-ID: abc"), 12, std::string("Call-ID: ") + bad);
    auto r = parse(text);
    ASSERT_TRUE(r.msg);
    EXPECT_EQ(r.error_status, 400);
    EXPECT_EQ(r.error_reason, "Malformed Call-ID header");
  }
  for (const char* good :
       {"abc", "f81d4fae-7dec@[2001:db8::1]", "a.b!c%d*e_f+g`h'i~j(k)<l>:m\\n\"o/p[q]r?s{t}u",
        "edge-\xff\xfe\xc3(-x", "dn;1001", "a&b"}) {
    SCOPED_TRACE(good);
    std::string text = options_with("");
    text.replace(text.find("Call-ID: abc"), 12, std::string("Call-ID: ") + good);
    EXPECT_EQ(parse(text).error_status, 0) << parse(text).error_reason;
  }
}

TEST(parser, cr_before_lf_is_a_line_end_not_a_bare_cr) {
  auto r = parse(options_with("Subject: a\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
}

TEST(parser, nul_on_the_start_line_drops_the_message) {
  static const char start[] = "OPTIONS sip:a\0b@y SIP/2.0\r\n";
  std::string text =
      std::string(start, sizeof start - 1) + "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n";
  EXPECT_FALSE(parse(text).msg);
}

TEST(parser, nul_in_body_is_kept) {
  std::string body("a\0b", 3);
  auto r = parse(options_with("Content-Length: 3\r\n", body));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->body(), body);
}

TEST(parser, negative_content_length_is_400) {
  auto r = parse(options_with("Content-Length: -5\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Malformed Content-Length header");
}

TEST(parser, non_numeric_content_length_is_400) {
  auto r = parse(options_with("Content-Length: five\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Malformed Content-Length header");
}

TEST(parser, conflicting_content_lengths_are_400) {
  auto r = parse(options_with("Content-Length: 2\r\nl: 3\r\n", "abc"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Conflicting Content-Length headers");
}

TEST(parser, body_longer_than_content_length_is_cut) {
  auto r = parse(options_with("Content-Length: 2\r\n", "abcdef"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->body(), "ab");
}

TEST(parser, datagram_without_content_length_takes_the_rest_as_body) {
  auto r = parse(options_with("", "rest of datagram"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->body(), "rest of datagram");
}

TEST(parser, cseq_method_mismatch_is_400) {
  std::string m = options_with("");
  m.replace(m.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 INVITE");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "CSeq method does not match Request-Line");
}

TEST(parser, cseq_method_comparison_is_case_sensitive) {
  std::string m = options_with("");
  m.replace(m.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 options");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
}

TEST(parser, malformed_cseq_is_400) {
  std::string m = options_with("");
  m.replace(m.find("CSeq: 1 OPTIONS"), 15, "CSeq: x OPTIONS");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Malformed CSeq header");
}

TEST(parser, non_numeric_max_forwards_is_400) {
  auto r = parse(options_with("Max-Forwards: seventy\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Malformed Max-Forwards header");
}

TEST(parser, numeric_max_forwards_is_fine) {
  auto r = parse(options_with("Max-Forwards: 0\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
}

TEST(parser, duplicate_single_valued_headers_are_400) {
  auto r = parse(options_with("Call-ID: second\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Multiple Call-ID headers");
}

TEST(parser, missing_via_is_400) {
  std::string m = options_with("");
  m.erase(m.find("Via:"), std::string("Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n").size());
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Missing Via header");
}

TEST(parser, header_line_without_colon_is_400) {
  auto r = parse(options_with("NoColonHere\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Malformed header line");
}

TEST(parser, too_many_headers_is_400) {
  parse_limits limits;
  limits.max_headers = 8;
  std::string extra;
  for (int i = 0; i < 5; ++i) extra += "X-H" + std::to_string(i) + ": v\r\n";
  auto r = parse(options_with(extra), limits);  // 6 mandatory + 5 = 11 > 8
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Too many header fields");

  auto ok = parse(options_with("X-H: v\r\n"), limits);  // 7 <= 8
  ASSERT_TRUE(ok.msg);
  EXPECT_EQ(ok.error_status, 0) << ok.error_reason;
}

TEST(parser, header_limit_counts_split_list_entries) {
  parse_limits limits;
  limits.max_headers = 8;
  auto r = parse(options_with("Route: <sip:a;lr>,<sip:b;lr>,<sip:c;lr>,<sip:d;lr>\r\n"),
                 limits);  // 6 + 4 = 10 > 8
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Too many header fields");
}

TEST(parser, default_limit_accepts_a_normal_message_and_rejects_a_flood) {
  std::string extra;
  for (int i = 0; i < 300; ++i) extra += "X-Flood: " + std::to_string(i) + "\r\n";
  auto r = parse(options_with(extra));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Too many header fields");
}

TEST(parser, parses_response) {
  auto r = parse(
      "SIP/2.0 180 Ringing Now\r\n"
      "Via: SIP/2.0/UDP p.example.com;branch=z9hG4bKp1\r\n"
      "Via: SIP/2.0/UDP ua.example.com;branch=z9hG4bKu1\r\n"
      "From: <sip:a@b>;tag=1\r\n"
      "To: <sip:x@y>;tag=2\r\n"
      "Call-ID: r1\r\n"
      "CSeq: 5 INVITE\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_TRUE(r.msg->is_response());
  EXPECT_FALSE(r.msg->is_request());
  EXPECT_EQ(r.msg->status(), 180);
  EXPECT_EQ(r.msg->reason(), "Ringing Now");
  EXPECT_EQ(r.msg->count(header_id::via), 2u);
  EXPECT_EQ(r.msg->value(header_id::via), "SIP/2.0/UDP p.example.com;branch=z9hG4bKp1");
  EXPECT_EQ(r.msg->body(), "");
}

TEST(parser, response_serializes_with_its_status_line) {
  auto r = parse(
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:x@y>;tag=2\r\nCall-ID: r\r\nCSeq: 1 INVITE\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  std::string out = r.msg->serialize();
  EXPECT_EQ(out.rfind("SIP/2.0 486 Busy Here\r\n", 0), 0u) << out;
}

TEST(parser, response_without_via_or_cseq_is_400) {
  auto r = parse(
      "SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: r\r\n"
      "CSeq: 1 INVITE\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  auto r2 = parse("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: r\r\n\r\n");
  ASSERT_TRUE(r2.msg);
  EXPECT_EQ(r2.error_status, 400);
}

// RFC 3261 §7.3.1: CSeq and Call-ID are no lists. Found by the libosip2 differential
// (tests/fuzz/regressions/sip_message/response-with-two-cseqs.sip).
TEST(parser, response_with_two_cseqs_or_call_ids_is_malformed) {
  const std::string head = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n";
  auto r = parse(head + "Call-ID: r\r\nCSeq: 1 OPTIONS\r\nCSeq: 2 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_reason, "Malformed response");
  auto r2 = parse(head + "Call-ID: r\r\nCall-ID: s\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r2.msg);
  EXPECT_EQ(r2.error_reason, "Malformed response");
}

TEST(parser, bad_status_codes_are_not_messages) {
  EXPECT_FALSE(parse("SIP/2.0 99 Low\r\nVia: SIP/2.0/UDP h\r\n\r\n").msg);
  EXPECT_FALSE(parse("SIP/2.0 700 High\r\nVia: SIP/2.0/UDP h\r\n\r\n").msg);
  EXPECT_FALSE(parse("SIP/2.0 2x0 Bad\r\nVia: SIP/2.0/UDP h\r\n\r\n").msg);
}

TEST(parser, request_line_with_extra_spaces_is_400) {
  std::string m = options_with("");
  m.replace(0, m.find("\r\n"), "OPTIONS sip:x@example.com  SIP/2.0");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
}

TEST(parser, unknown_method_is_parsed) {
  std::string m = options_with("");
  m.replace(0, 7, "NEWMETHOD");
  m.replace(m.find("CSeq: 1 OPTIONS"), 15, "CSeq: 1 NEWMETHOD");
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->method(), "NEWMETHOD");
}

TEST(parser, bare_lf_headers_with_a_crlf_body_end_at_the_first_empty_line) {
  auto r = parse(
      "INVITE sip:x@y SIP/2.0\n"
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
      "From: <sip:a@b>;tag=1\n"
      "To: <sip:x@y>\n"
      "Call-ID: lf2\n"
      "CSeq: 2 INVITE\n"
      "Content-Length: 12\n"
      "\n"
      "v=0\r\n\r\ns=-\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->value(header_id::call_id), "lf2");
  EXPECT_EQ(r.msg->body(), "v=0\r\n\r\ns=-\r\n");
}

TEST(parser, empty_header_value_is_kept) {
  auto r = parse(options_with("Subject:\r\n"));
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(other_value(*r.msg, "Subject"), "");
}

TEST(parser, response_with_empty_reason_phrase) {
  auto r = parse(
      "SIP/2.0 200 \r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:x@y>;tag=2\r\nCall-ID: r\r\nCSeq: 1 OPTIONS\r\n\r\n");
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 0) << r.error_reason;
  EXPECT_EQ(r.msg->status(), 200);
  EXPECT_EQ(r.msg->reason(), "");
}

// RFC 3261 §25.1: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF; the
// second SP is there even when the phrase is empty. Found by the libosip2 differential
// (tests/fuzz/regressions/sip_message/status-line-without-reason-sp.sip).
TEST(parser, status_line_without_the_space_before_the_reason_is_not_a_message) {
  EXPECT_FALSE(
      parse("SIP/2.0 200\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
            "To: <sip:x@y>;tag=2\r\nCall-ID: r\r\nCSeq: 1 OPTIONS\r\n\r\n")
          .msg);
  EXPECT_FALSE(parse("SIP/2.0 200\nV:SIP/2.0/D e\nCSeq:0 O\nI:").msg);
}

// RFC 3261 §7: message = start-line *message-header CRLF [message-body]: a datagram whose
// header section never ends may have been cut short. Found by the libosip2 differential
// (tests/fuzz/regressions/sip_message/header-section-without-empty-line.sip).
TEST(parser, header_section_without_its_empty_line_is_400) {
  std::string m = options_with("");
  m.resize(m.size() - 2);  // the empty line
  auto r = parse(m);
  ASSERT_TRUE(r.msg);
  EXPECT_EQ(r.error_status, 400);
  EXPECT_EQ(r.error_reason, "Header section without its empty line");
  EXPECT_EQ(parse(m + "\r\n").error_status, 0);
}

}  // namespace
}  // namespace sipproxy::sip
