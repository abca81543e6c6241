#include "registrar/binding_store.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sipproxy::registrar {
namespace {

using std::chrono::seconds;

const wall_clock::time_point t0 = wall_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

// Seconds after t0, so a failure prints a number.
std::int64_t at(wall_clock::time_point tp) {
  return std::chrono::duration_cast<seconds>(tp - t0).count();
}

binding make(std::string aor, std::string contact, wall_clock::time_point expires,
             std::uint16_t port = 5070) {
  binding b;
  b.aor = std::move(aor);
  b.contact = std::move(contact);
  b.expires = expires;
  transport::parse_ip("192.0.2.10", b.flow.address);
  b.flow.port = port;
  b.instance = "SIPProxy_1";
  b.call_id = "reg-1";
  b.cseq = 1;
  return b;
}

std::vector<std::string> contacts_of(const std::vector<binding>& bs) {
  std::vector<std::string> out;
  for (const auto& b : bs) out.push_back(b.contact);
  std::sort(out.begin(), out.end());
  return out;
}

// --- contact_key -----------------------------------------------------------------

TEST(contact_key, user_host_and_default_port) {
  EXPECT_EQ(contact_key("sip:1000@192.0.2.10"), "1000@192.0.2.10:5060");
  EXPECT_EQ(contact_key("sip:1000@192.0.2.10:5070"), "1000@192.0.2.10:5070");
}

TEST(contact_key, host_is_case_insensitive_and_port_5060_is_the_default) {
  EXPECT_EQ(contact_key("sip:1000@Phone.Example.COM"), contact_key("sip:1000@phone.example.com"));
  EXPECT_EQ(contact_key("sip:1000@phone.example.com"),
            contact_key("sip:1000@phone.example.com:5060"));
  EXPECT_NE(contact_key("sip:1000@phone.example.com"),
            contact_key("sip:1000@phone.example.com:5070"));
}

TEST(contact_key, parameters_do_not_matter) {
  EXPECT_EQ(contact_key("sip:1000@192.0.2.10:5070;transport=tcp;ob"),
            contact_key("sip:1000@192.0.2.10:5070"));
}

TEST(contact_key, different_users_differ) {
  EXPECT_NE(contact_key("sip:1000@192.0.2.10"), contact_key("sip:1001@192.0.2.10"));
}

TEST(contact_key, empty_for_non_sip_uris) {
  EXPECT_EQ(contact_key("tel:+15551234"), "");
  EXPECT_EQ(contact_key("not a uri"), "");
  EXPECT_EQ(contact_key(""), "");
}

// --- put / lookup / replace ----------------------------------------------------------

TEST(memory_binding_store, empty_store) {
  memory_binding_store s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.lookup("sip:1000@example.com").empty());
  EXPECT_FALSE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
  EXPECT_EQ(s.expire(t0), 0u);
}

TEST(memory_binding_store, put_then_lookup_returns_every_field) {
  memory_binding_store s;
  binding b = make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60));
  b.flow.proto = transport::protocol::tcp;
  b.flow.connection = 42;
  b.call_id = "cid-abc";
  b.cseq = 7;
  s.put(b);
  ASSERT_EQ(s.size(), 1u);
  auto got = s.lookup("sip:1000@example.com");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].aor, "sip:1000@example.com");
  EXPECT_EQ(got[0].contact, "sip:1000@192.0.2.10:5070");
  EXPECT_EQ(at(got[0].expires), 60);
  EXPECT_EQ(got[0].flow.proto, transport::protocol::tcp);
  EXPECT_EQ(got[0].flow.address.to_string(), "192.0.2.10");
  EXPECT_EQ(got[0].flow.port, 5070);
  EXPECT_EQ(got[0].flow.connection, 42u);
  EXPECT_EQ(got[0].instance, "SIPProxy_1");
  EXPECT_EQ(got[0].call_id, "cid-abc");
  EXPECT_EQ(got[0].cseq, 7u);
  EXPECT_TRUE(s.lookup("sip:1001@example.com").empty());
}

TEST(memory_binding_store, several_contacts_per_aor) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(60)));
  s.put(make("sip:1001@example.com", "sip:1001@192.0.2.12:5070", t0 + seconds(60)));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(contacts_of(s.lookup("sip:1000@example.com")),
            (std::vector<std::string>{"sip:1000@192.0.2.10:5070", "sip:1000@192.0.2.11:5070"}));
  EXPECT_EQ(contacts_of(s.lookup("sip:1001@example.com")),
            (std::vector<std::string>{"sip:1001@192.0.2.12:5070"}));
}

TEST(memory_binding_store, put_of_the_same_contact_replaces_it) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60), 5070));
  binding refreshed =
      make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(600), 6000);
  refreshed.call_id = "reg-2";
  refreshed.cseq = 2;
  s.put(refreshed);
  EXPECT_EQ(s.size(), 1u);
  auto got = s.lookup("sip:1000@example.com");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(at(got[0].expires), 600);
  EXPECT_EQ(got[0].flow.port, 6000);
  EXPECT_EQ(got[0].call_id, "reg-2");
  EXPECT_EQ(got[0].cseq, 2u);
  auto by = s.by_contact("sip:1000@192.0.2.10:5070");
  ASSERT_TRUE(by.has_value());
  EXPECT_EQ(by->flow.port, 6000);
}

// --- remove / remove_all -------------------------------------------------------------

TEST(memory_binding_store, remove_one_contact) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(60)));
  s.remove("sip:1000@example.com", "sip:1000@192.0.2.10:5070");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(contacts_of(s.lookup("sip:1000@example.com")),
            (std::vector<std::string>{"sip:1000@192.0.2.11:5070"}));
  EXPECT_FALSE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
  EXPECT_TRUE(s.by_contact("sip:1000@192.0.2.11:5070").has_value());
}

TEST(memory_binding_store, removing_the_last_contact_empties_the_aor) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.remove("sip:1000@example.com", "sip:1000@192.0.2.10:5070");
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.lookup("sip:1000@example.com").empty());
  EXPECT_FALSE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
}

TEST(memory_binding_store, removing_what_is_not_there_changes_nothing) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.remove("sip:1000@example.com", "sip:1000@192.0.2.99:5070");
  s.remove("sip:9999@example.com", "sip:1000@192.0.2.10:5070");
  s.remove_all("sip:9999@example.com");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.lookup("sip:1000@example.com").size(), 1u);
}

TEST(memory_binding_store, remove_all_only_touches_that_aor) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(60)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.12:5070", t0 + seconds(60)));
  s.put(make("sip:1001@example.com", "sip:1001@192.0.2.13:5070", t0 + seconds(60)));
  s.remove_all("sip:1000@example.com");
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.lookup("sip:1000@example.com").empty());
  EXPECT_FALSE(s.by_contact("sip:1000@192.0.2.11:5070").has_value());
  EXPECT_EQ(s.lookup("sip:1001@example.com").size(), 1u);
  EXPECT_TRUE(s.by_contact("sip:1001@192.0.2.13:5070").has_value());
}

TEST(memory_binding_store, put_after_remove_all_works) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.remove_all("sip:1000@example.com");
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_TRUE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
}

// --- by_contact -----------------------------------------------------------------------

TEST(memory_binding_store, by_contact_matches_by_contact_key) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@Phone.Example.com;transport=tcp", t0 + seconds(60)));
  auto a = s.by_contact("sip:1000@phone.example.COM:5060");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->aor, "sip:1000@example.com");
  EXPECT_EQ(a->contact, "sip:1000@Phone.Example.com;transport=tcp");
  EXPECT_TRUE(s.by_contact("sip:1000@phone.example.com").has_value());
  EXPECT_FALSE(s.by_contact("sip:1000@phone.example.com:5070").has_value());
  EXPECT_FALSE(s.by_contact("sip:1001@phone.example.com").has_value());
}

TEST(memory_binding_store, by_contact_of_a_non_sip_uri_is_nothing) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  EXPECT_FALSE(s.by_contact("tel:1000").has_value());
  EXPECT_FALSE(s.by_contact("").has_value());
}

TEST(memory_binding_store, by_contact_returns_the_binding_with_its_flow) {
  memory_binding_store s;
  binding b = make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60), 40000);
  b.flow.proto = transport::protocol::tcp;
  b.flow.connection = 9;
  s.put(b);
  auto got = s.by_contact("sip:1000@192.0.2.10:5070;transport=tcp");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->flow.proto, transport::protocol::tcp);
  EXPECT_EQ(got->flow.port, 40000);
  EXPECT_EQ(got->flow.connection, 9u);
}

// --- expire -----------------------------------------------------------------------------

TEST(memory_binding_store, expire_removes_what_is_due_and_nothing_else) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(10)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(20)));
  s.put(make("sip:1001@example.com", "sip:1001@192.0.2.12:5070", t0 + seconds(30)));
  EXPECT_EQ(s.expire(t0 + seconds(9)), 0u);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.expire(t0 + seconds(10)), 1u);  // due at exactly its deadline
  EXPECT_EQ(s.size(), 2u);
  EXPECT_FALSE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
  EXPECT_EQ(contacts_of(s.lookup("sip:1000@example.com")),
            (std::vector<std::string>{"sip:1000@192.0.2.11:5070"}));
  EXPECT_EQ(s.expire(t0 + seconds(100)), 2u);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.lookup("sip:1000@example.com").empty());
  EXPECT_TRUE(s.lookup("sip:1001@example.com").empty());
  EXPECT_EQ(s.expire(t0 + seconds(1000)), 0u);
}

TEST(memory_binding_store, refreshed_binding_survives_its_old_deadline) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(10)));
  // Re-REGISTER before it expired: the heap still holds the old deadline.
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(100)));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.expire(t0 + seconds(10)), 0u);
  EXPECT_EQ(s.expire(t0 + seconds(50)), 0u);
  EXPECT_EQ(s.size(), 1u);
  auto got = s.lookup("sip:1000@example.com");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(at(got[0].expires), 100);
  EXPECT_TRUE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
  // Its new deadline still applies.
  EXPECT_EQ(s.expire(t0 + seconds(100)), 1u);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.by_contact("sip:1000@192.0.2.10:5070").has_value());
}

TEST(memory_binding_store, refreshed_many_times_is_removed_once_at_the_last_deadline) {
  memory_binding_store s;
  for (int i = 1; i <= 5; ++i)
    s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(10 * i)));
  EXPECT_EQ(s.expire(t0 + seconds(49)), 0u);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.expire(t0 + seconds(50)), 1u);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.expire(t0 + seconds(60)), 0u);
}

TEST(memory_binding_store, binding_refreshed_to_a_shorter_expiry_goes_at_the_shorter_one) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(100)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(10)));
  EXPECT_EQ(s.expire(t0 + seconds(10)), 1u);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.expire(t0 + seconds(100)), 0u);
}

TEST(memory_binding_store, removed_then_registered_again_survives_the_old_deadline) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(10)));
  s.remove("sip:1000@example.com", "sip:1000@192.0.2.10:5070");
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(100)));
  EXPECT_EQ(s.expire(t0 + seconds(10)), 0u);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.expire(t0 + seconds(100)), 1u);
  EXPECT_EQ(s.size(), 0u);
}

TEST(memory_binding_store, expire_of_an_explicitly_removed_binding_counts_nothing) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(10)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(10)));
  s.remove_all("sip:1000@example.com");
  EXPECT_EQ(s.expire(t0 + seconds(10)), 0u);
  EXPECT_EQ(s.size(), 0u);
}

// --- size / memory ----------------------------------------------------------------------

TEST(memory_binding_store, size_counts_bindings_not_aors) {
  memory_binding_store s;
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.10:5070", t0 + seconds(60)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(60)));
  s.put(make("sip:1000@example.com", "sip:1000@192.0.2.11:5070", t0 + seconds(70)));  // refresh
  s.put(make("sip:1001@example.com", "sip:1001@192.0.2.12:5070", t0 + seconds(60)));
  EXPECT_EQ(s.size(), 3u);
  s.remove("sip:1000@example.com", "sip:1000@192.0.2.10:5070");
  s.remove("sip:1000@example.com", "sip:1000@192.0.2.10:5070");  // twice: once counted
  EXPECT_EQ(s.size(), 2u);
}

TEST(memory_binding_store, one_hundred_thousand_bindings) {
  memory_binding_store s;
  constexpr int n = 100000;
  for (int i = 0; i < n; ++i) {
    std::string user = std::to_string(100000 + i);
    s.put(make("sip:" + user + "@example.com",
               "sip:" + user + "@10." + std::to_string((i >> 16) & 255) + "." +
                   std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) + ":5060",
               t0 + seconds(60 + i % 3600)));
  }
  EXPECT_EQ(s.size(), static_cast<std::size_t>(n));
  auto first = s.lookup("sip:100000@example.com");
  ASSERT_EQ(first.size(), 1u);
  auto last = s.by_contact("sip:199999@10.1.134.159");  // 99999 = 0x01869f
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->aor, "sip:199999@example.com");
  // Half of them due: removed exactly once each.
  std::size_t due = 0;
  for (int i = 0; i < n; ++i) due += (60 + i % 3600) <= 1860 ? 1 : 0;
  EXPECT_EQ(s.expire(t0 + seconds(1860)), due);
  EXPECT_EQ(s.size(), static_cast<std::size_t>(n) - due);
  EXPECT_EQ(s.expire(t0 + seconds(3660)), static_cast<std::size_t>(n) - due);
  EXPECT_EQ(s.size(), 0u);
}

// The bindings' memory comes from the store's arena, not the heap, so the transient
// allocations of the REGISTERs around them cannot pin heap pages (binding_arena.hpp).
binding long_lived(int i) {
  std::string user = "subscriber-with-a-long-name-" + std::to_string(i);
  binding b = make("sip:" + user + "@contact-centre.example.com",
                   "sip:" + user + "@198.51.100.77:5070;transport=udp", t0 + seconds(3600));
  b.call_id = "a-call-id-longer-than-the-small-string-buffer-" + std::to_string(i);
  return b;
}

TEST(memory_binding_store, bindings_live_in_the_arena_not_on_the_heap) {
  memory_binding_store s;
  std::size_t arena_before = s.arena_bytes();
  std::size_t heap_before = mallinfo2().uordblks;
  for (int i = 0; i < 10000; ++i) s.put(long_lived(i));
  std::size_t heap_growth = mallinfo2().uordblks - heap_before;
  std::size_t arena_growth = s.arena_bytes() - arena_before;
  EXPECT_GE(arena_growth, 10000u * 150);  // three long strings and an AOR key each
  EXPECT_LT(heap_growth, arena_growth / 20) << heap_growth << " bytes of heap";
  ASSERT_EQ(s.lookup(long_lived(42).aor).size(), 1u);
  EXPECT_EQ(s.lookup(long_lived(42).aor)[0].call_id, long_lived(42).call_id);
}

TEST(memory_binding_store, arena_is_reused_after_bindings_go) {
  memory_binding_store s;
  for (int i = 0; i < 5000; ++i) s.put(long_lived(10000 + i));  // same lengths throughout
  std::size_t full = s.arena_bytes();
  EXPECT_EQ(s.expire(t0 + seconds(3600)), 5000u);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5000; ++i) s.put(long_lived(10000 * (round + 2) + i));
    EXPECT_EQ(s.expire(t0 + seconds(3600)), 5000u);
  }
  EXPECT_LE(s.arena_bytes(), full + full / 4);  // no growth without bound
}

}  // namespace
}  // namespace sipproxy::registrar
