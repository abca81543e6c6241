#include "cluster/byte_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cluster/replica_record.hpp"

namespace sipproxy::cluster {
namespace {

TEST(byte_text, tells_utf8_from_other_bytes) {
  EXPECT_TRUE(valid_utf8("call-1@host"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("bad-\xff"));
  EXPECT_FALSE(valid_utf8("\xc3("));             // bad continuation
  EXPECT_FALSE(valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(byte_text, bytes_travel_as_utf8_and_come_back_exact) {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string text = bytes_to_utf8(all);
  EXPECT_TRUE(valid_utf8(text));
  EXPECT_EQ(utf8_to_bytes(text), all);
  EXPECT_EQ(utf8_to_bytes("\xe2\x82\xac"), std::nullopt);  // above U+00FF
}

TEST(byte_text, a_record_with_wire_bytes_dumps_and_reads_back_exactly) {
  replica_record r;
  r.kind = record_kind::binding;
  r.v = version{1764600000123, "SIPProxy_1"};
  r.expires_ms = 1764600060000;
  r.a = "sip:\xff\xfe@example.com";
  r.b = "sip:alice@10.0.0.1;x=\xc3(";
  r.proto = "udp";
  r.address = "10.0.0.1";
  r.port = 5060;
  r.instance = "SIPProxy_1";
  r.call_id = "reg-\x80@host";
  r.cseq = 3;
  std::string text;
  ASSERT_NO_THROW(text = to_json(r).dump());
  auto back = record_from_json(json::parse(text));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->a, r.a);
  EXPECT_EQ(back->b, r.b);
  EXPECT_EQ(back->call_id, r.call_id);
  EXPECT_EQ(back->address, r.address);
  EXPECT_EQ(record_key(*back), record_key(r));

  replica_record s;
  s.kind = record_kind::session;
  s.v = version{1, "SIPProxy_2"};
  s.a = "edge-\xff\xfe";
  s.pair = "SIPServer_A";
  ASSERT_NO_THROW(text = to_json(s).dump());
  auto sb = record_from_json(json::parse(text));
  ASSERT_TRUE(sb);
  EXPECT_EQ(sb->a, s.a);
  EXPECT_EQ(record_key(*sb), record_key(s));
  // UTF-8 fields travel as they are, unmarked (what older peers read).
  s.a = "call-1@host";
  EXPECT_FALSE(to_json(s).contains("l"));
}

TEST(byte_text, a_malformed_marker_is_refused) {
  json j{{"k", "s"}, {"t", 1}, {"o", "SIPProxy_2"}, {"a", "x"}, {"s", "A"}, {"l", {"zz"}}};
  EXPECT_FALSE(record_from_json(j));
  j["l"] = json::array({"a"});
  j["a"] = "\xe2\x82\xac";
  EXPECT_FALSE(record_from_json(j));
}

}  // namespace
}  // namespace sipproxy::cluster
