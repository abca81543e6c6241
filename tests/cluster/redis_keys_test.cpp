#include "cluster/redis_keys.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::cluster {
namespace {

replica_record binding(std::string aor, std::string contact) {
  replica_record r;
  r.kind = record_kind::binding;
  r.v = version{1764600000123, "SIPProxy_1"};
  r.expires_ms = 1764600060000;
  r.a = std::move(aor);
  r.b = std::move(contact);
  r.proto = "tcp";
  r.address = "127.0.0.7";
  r.port = 5062;
  r.instance = "SIPProxy_2";
  r.call_id = "reg-1@host";
  r.cseq = 7;
  return r;
}

TEST(redis_keys, keys_carry_the_aor_or_call_id_as_hash_tag) {
  EXPECT_EQ(redis_keys::key_of(binding("sip:alice@example.com", "sip:alice@10.0.0.1:5060")),
            "sipproxy:b:{sip:alice@example.com}:sip:alice@10.0.0.1:5060");
  replica_record s;
  s.kind = record_kind::session;
  s.a = "call-1@host";
  EXPECT_EQ(redis_keys::key_of(s), "sipproxy:s:{call-1@host}");
  EXPECT_EQ(redis_keys::channel(3), "sipproxy:changes:3");
}

TEST(redis_keys, cluster_slot_matches_the_redis_specification) {
  // CLUSTER KEYSLOT answers: the CRC16 test vector and two well-known keys.
  EXPECT_EQ(redis_keys::cluster_slot("123456789"), 0x31C3u);
  EXPECT_EQ(redis_keys::cluster_slot("foo"), 12182u);
  EXPECT_EQ(redis_keys::cluster_slot("{user1000}.following"), redis_keys::cluster_slot("user1000"));
  // An empty tag is no tag: the whole key is hashed.
  EXPECT_NE(redis_keys::cluster_slot("{}foo"), redis_keys::cluster_slot("foo"));
}

TEST(redis_keys, every_contact_of_one_aor_lives_in_one_slot) {
  const std::string aor = "sip:bob@example.com";
  unsigned slot = redis_keys::cluster_slot(redis_keys::key_of(binding(aor, "sip:bob@10.0.0.1")));
  EXPECT_EQ(slot, redis_keys::cluster_slot(aor));
  for (const char* c :
       {"sip:bob@10.0.0.2:5070", "sip:bob@[2001:db8::1];transport=tcp", "sip:bob@h}x{y:1"}) {
    EXPECT_EQ(redis_keys::cluster_slot(redis_keys::key_of(binding(aor, c))), slot) << c;
  }
  // Another AOR (almost surely) elsewhere.
  EXPECT_NE(redis_keys::cluster_slot(redis_keys::key_of(binding("sip:carol@example.com", "x"))),
            slot);
}

TEST(redis_keys, value_round_trips_with_its_version_first) {
  replica_record r = binding("sip:alice@example.com", "sip:alice@10.0.0.1:5060");
  std::string v = redis_keys::value_of(r);
  EXPECT_EQ(v.rfind("1764600000123 SIPProxy_1\n{", 0), 0u) << v;
  auto back = redis_keys::record_of_value(v);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->v, r.v);
  EXPECT_EQ(back->a, r.a);
  EXPECT_EQ(back->b, r.b);
  EXPECT_EQ(back->expires_ms, r.expires_ms);
  EXPECT_EQ(back->proto, "tcp");
  EXPECT_EQ(back->address, "127.0.0.7");
  EXPECT_EQ(back->port, 5062);
  EXPECT_EQ(back->instance, "SIPProxy_2");
  EXPECT_EQ(back->cseq, 7u);
  EXPECT_FALSE(back->deleted);
}

TEST(redis_keys, tombstones_and_sessions_round_trip) {
  replica_record t = binding("sip:alice@example.com", "sip:alice@10.0.0.1:5060");
  t.deleted = true;
  auto back = redis_keys::record_of_value(redis_keys::value_of(t));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->deleted);
  replica_record s;
  s.kind = record_kind::session;
  s.v = version{42, "SIPProxy_3"};
  s.expires_ms = 99;
  s.a = "call-1@host";
  s.pair = "SIPServer_B";
  auto sb = redis_keys::record_of_value(redis_keys::value_of(s));
  ASSERT_TRUE(sb.has_value());
  EXPECT_EQ(sb->kind, record_kind::session);
  EXPECT_EQ(sb->pair, "SIPServer_B");
  EXPECT_EQ(sb->v, s.v);
}

TEST(redis_keys, refuses_values_it_did_not_write) {
  replica_record r = binding("sip:alice@example.com", "sip:alice@10.0.0.1:5060");
  std::string v = redis_keys::value_of(r);
  // A prefix that says another version than the record: the script would compare wrong.
  std::string tampered = "1764600000999 SIPProxy_1" + v.substr(v.find('\n'));
  EXPECT_FALSE(redis_keys::record_of_value(tampered).has_value());
  for (const char* bad : {"", "1 a", "1 a\n", "1 a\nnot json", "1 a\n{\"k\":\"b\"}", "\n[]"}) {
    EXPECT_FALSE(redis_keys::record_of_value(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sipproxy::cluster
