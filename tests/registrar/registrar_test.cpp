#include "registrar/registrar.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sip/parser.hpp"

namespace sipproxy::registrar {
namespace {

using std::chrono::seconds;

const wall_clock::time_point t0 = wall_clock::time_point{} + std::chrono::hours(24 * 365 * 50);

// Seconds after t0, so a failure prints a number.
std::int64_t at(wall_clock::time_point tp) {
  return std::chrono::duration_cast<seconds>(tp - t0).count();
}
const std::string aor = "sip:1000@example.com";

sip::message_ptr parse(const std::string& bytes) {
  auto r = sip::parse(bytes);
  EXPECT_TRUE(r.msg) << bytes;
  EXPECT_EQ(r.error_status, 0) << r.error_reason << "\n" << bytes;
  return r.msg;
}

// A REGISTER for 1000@example.com with these extra header lines ("Contact: ...\r\n").
std::string register_text(const std::string& extra, const std::string& call_id = "reg-cid-1",
                          int cseq = 1) {
  return "REGISTER sip:example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKreg1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:1000@example.com>;tag=f1\r\n"
         "To: <sip:1000@example.com>\r\n"
         "Call-ID: " +
         call_id +
         "\r\n"
         "CSeq: " +
         std::to_string(cseq) + " REGISTER\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

std::string ok_text(const std::string& extra, const std::string& call_id = "reg-cid-1",
                    int cseq = 1) {
  return "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKreg1\r\n"
         "From: <sip:1000@example.com>;tag=f1\r\n"
         "To: <sip:1000@example.com>;tag=srv\r\n"
         "Call-ID: " +
         call_id +
         "\r\n"
         "CSeq: " +
         std::to_string(cseq) + " REGISTER\r\n" + extra + "Content-Length: 0\r\n\r\n";
}

std::vector<std::string> values(const sip::message& m, sip::header_id id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id == id) out.emplace_back(h.value);
  }
  return out;
}

transport::peer flow_of(std::string_view ip, std::uint16_t port,
                        transport::protocol proto = transport::protocol::udp,
                        std::uint64_t conn = 0) {
  transport::peer p;
  p.proto = proto;
  transport::parse_ip(ip, p.address);
  p.port = port;
  p.connection = conn;
  return p;
}

const binding* find(const std::vector<binding>& bs, std::string_view contact) {
  for (const auto& b : bs) {
    if (b.contact == contact) return &b;
  }
  return nullptr;
}

// --- split_contacts ---------------------------------------------------------------------

TEST(split_contacts, one_value) {
  EXPECT_EQ(split_contacts("<sip:a@h>"), (std::vector<std::string_view>{"<sip:a@h>"}));
}

TEST(split_contacts, several_values_trimmed) {
  EXPECT_EQ(split_contacts(" <sip:a@h>;expires=1 ,<sip:b@h> ,  sip:c@h "),
            (std::vector<std::string_view>{"<sip:a@h>;expires=1", "<sip:b@h>", "sip:c@h"}));
}

TEST(split_contacts, commas_inside_quotes_and_angle_brackets_do_not_split) {
  EXPECT_EQ(split_contacts("\"Smith, John\" <sip:a@h>;expires=30, \"Doe, Jane\" <sip:b@h>"),
            (std::vector<std::string_view>{"\"Smith, John\" <sip:a@h>;expires=30",
                                           "\"Doe, Jane\" <sip:b@h>"}));
  EXPECT_EQ(split_contacts("<sip:a@h;x=\"1,2\">, <sip:b@h?Subject=a,b>"),
            (std::vector<std::string_view>{"<sip:a@h;x=\"1,2\">", "<sip:b@h?Subject=a,b>"}));
}

TEST(split_contacts, escaped_quote_inside_display_name) {
  EXPECT_EQ(split_contacts(R"("a \", b" <sip:a@h>, <sip:b@h>)"),
            (std::vector<std::string_view>{R"("a \", b" <sip:a@h>)", "<sip:b@h>"}));
}

TEST(split_contacts, star_stays_one_value) {
  EXPECT_EQ(split_contacts("*"), (std::vector<std::string_view>{"*"}));
}

TEST(split_contacts, empty_items_are_dropped) {
  EXPECT_EQ(split_contacts(""), (std::vector<std::string_view>{}));
  EXPECT_EQ(split_contacts("<sip:a@h>,,<sip:b@h>,"),
            (std::vector<std::string_view>{"<sip:a@h>", "<sip:b@h>"}));
}

// --- with_expires -----------------------------------------------------------------------

TEST(with_expires, adds_the_parameter) {
  EXPECT_EQ(with_expires("<sip:a@h:5070>", 60), "<sip:a@h:5070>;expires=60");
}

TEST(with_expires, replaces_an_existing_expires_and_keeps_other_params) {
  EXPECT_EQ(
      with_expires("<sip:a@h;transport=tcp>;q=0.5;expires=3600;+sip.instance=\"<urn:x>\"", 30),
      "<sip:a@h;transport=tcp>;q=0.5;+sip.instance=\"<urn:x>\";expires=30");
  EXPECT_EQ(with_expires("<sip:a@h>;EXPIRES=10", 5), "<sip:a@h>;expires=5");
}

TEST(with_expires, keeps_a_parameter_that_only_starts_with_expires) {
  EXPECT_EQ(with_expires("<sip:a@h>;expiresx=7", 5), "<sip:a@h>;expiresx=7;expires=5");
}

TEST(with_expires, keeps_a_quoted_display_name) {
  EXPECT_EQ(with_expires("\"Smith, John\" <sip:a@h>;expires=1", 9),
            "\"Smith, John\" <sip:a@h>;expires=9");
}

TEST(with_expires, addr_spec_becomes_a_name_addr) {
  EXPECT_EQ(with_expires("sip:a@h;expires=100", 20), "<sip:a@h>;expires=20");
}

TEST(with_expires, zero) {
  EXPECT_EQ(with_expires("<sip:a@h>;expires=30", 0), "<sip:a@h>;expires=0");
}

// --- cap_expires ------------------------------------------------------------------------

TEST(cap_expires, zero_cap_changes_nothing) {
  std::string text = register_text("Contact: <sip:1000@192.0.2.10:5070>;expires=7200\r\n");
  auto m = parse(text);
  cap_expires(*m, 0);
  EXPECT_EQ(m->count(sip::header_id::expires), 0u);
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=7200"}));
  EXPECT_EQ(m->serialize(), parse(text)->serialize());
}

TEST(cap_expires, expires_header_lowered_to_the_cap) {
  auto m = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 3600\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->value(sip::header_id::expires), "60");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=60"}));
}

TEST(cap_expires, smaller_client_value_is_kept) {
  auto m =
      parse(register_text("Contact: <sip:1000@192.0.2.10:5070>;expires=30\r\nExpires: 20\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->value(sip::header_id::expires), "20");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=30"}));
}

TEST(cap_expires, contact_params_each_capped_independently) {
  auto m =
      parse(register_text("Contact: <sip:1000@192.0.2.10:5070>;expires=3600, \"Desk, 2\" "
                          "<sip:1000@192.0.2.11:5070>;q=0.7;expires=10\r\n"
                          "Contact: <sip:1000@192.0.2.12:5070>\r\n"
                          "Expires: 45\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->value(sip::header_id::expires), "45");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=60, \"Desk, 2\" "
                                      "<sip:1000@192.0.2.11:5070>;q=0.7;expires=10",
                                      "<sip:1000@192.0.2.12:5070>;expires=45"}));
}

TEST(cap_expires, no_expiry_anywhere_means_3600_then_capped) {
  auto m = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>\r\n"));
  cap_expires(*m, 60);
  // A request gets an Expires header when it had none.
  EXPECT_EQ(m->count(sip::header_id::expires), 1u);
  EXPECT_EQ(m->value(sip::header_id::expires), "60");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=60"}));
}

TEST(cap_expires, cap_above_3600_with_no_expiry_gives_3600) {
  auto m = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>\r\n"));
  cap_expires(*m, 7200);
  EXPECT_EQ(m->value(sip::header_id::expires), "3600");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=3600"}));
}

TEST(cap_expires, expires_inserted_in_a_request_only_once_and_serialised) {
  auto m = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>;expires=3600\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->count(sip::header_id::expires), 1u);
  EXPECT_EQ(m->value(sip::header_id::expires), "60");
  auto again = parse(m->serialize());
  EXPECT_EQ(again->value(sip::header_id::expires), "60");
  EXPECT_EQ(values(*again, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=60"}));
}

TEST(cap_expires, response_without_expires_gets_none_inserted) {
  auto m = parse(ok_text("Contact: <sip:1000@192.0.2.10:5070>;expires=3600\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->count(sip::header_id::expires), 0u);
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=60"}));
}

TEST(cap_expires, response_with_expires_header) {
  auto m = parse(ok_text("Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 1800\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->value(sip::header_id::expires), "60");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=60"}));
}

TEST(cap_expires, star_contact_is_untouched) {
  auto m = parse(register_text("Contact: *\r\nExpires: 0\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(values(*m, sip::header_id::contact), (std::vector<std::string>{"*"}));
  EXPECT_EQ(m->value(sip::header_id::expires), "0");
}

TEST(cap_expires, zero_expiry_stays_zero) {
  auto m = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>;expires=0\r\nExpires: 0\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->value(sip::header_id::expires), "0");
  EXPECT_EQ(values(*m, sip::header_id::contact),
            (std::vector<std::string>{"<sip:1000@192.0.2.10:5070>;expires=0"}));
}

TEST(cap_expires, other_headers_and_request_line_unchanged) {
  auto m = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 3600\r\n"));
  cap_expires(*m, 60);
  EXPECT_EQ(m->method(), "REGISTER");
  EXPECT_EQ(m->request_uri(), "sip:example.com");
  EXPECT_EQ(m->value(sip::header_id::call_id), "reg-cid-1");
  EXPECT_EQ(m->value(sip::header_id::to), "<sip:1000@example.com>");
  EXPECT_EQ(m->value(sip::header_id::from), "<sip:1000@example.com>;tag=f1");
}

// --- registrar::on_registered ---------------------------------------------------------

class on_registered_test : public ::testing::Test {
 protected:
  memory_binding_store store;
  registrar reg{store, "SIPProxy_1"};
  transport::peer flow = flow_of("192.0.2.10", 5070);

  update_result run(const std::string& request_extra, const std::string& response_extra,
                    wall_clock::time_point now = t0, const transport::peer* via = nullptr,
                    const std::string& call_id = "reg-cid-1", int cseq = 1) {
    auto req = parse(register_text(request_extra, call_id, cseq));
    auto resp = parse(ok_text(response_extra, call_id, cseq));
    return reg.on_registered(*req, *resp, via ? *via : flow, aor, now);
  }
};

TEST_F(on_registered_test, stores_the_contact_with_flow_call_id_and_cseq) {
  transport::peer tcp = flow_of("192.0.2.10", 40123, transport::protocol::tcp, 17);
  auto r = run("Contact: <sip:1000@192.0.2.10:5070;transport=tcp>;expires=600\r\n",
               "Contact: <sip:1000@192.0.2.10:5070;transport=tcp>;expires=600\r\n", t0, &tcp,
               "cid-xyz", 5);
  EXPECT_EQ(r.stored, 1u);
  EXPECT_EQ(r.removed, 0u);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].aor, aor);
  EXPECT_EQ(bs[0].contact, "sip:1000@192.0.2.10:5070;transport=tcp");
  EXPECT_EQ(at(bs[0].expires), 600);
  EXPECT_EQ(bs[0].flow.proto, transport::protocol::tcp);
  EXPECT_EQ(bs[0].flow.address.to_string(), "192.0.2.10");
  EXPECT_EQ(bs[0].flow.port, 40123);
  EXPECT_EQ(bs[0].flow.connection, 17u);
  EXPECT_EQ(bs[0].instance, "SIPProxy_1");
  EXPECT_EQ(bs[0].call_id, "cid-xyz");
  EXPECT_EQ(bs[0].cseq, 5u);
}

TEST_F(on_registered_test, expiry_from_the_matching_contact_of_the_200) {
  // The server granted less than asked; its Expires header does not override the param.
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=3600\r\nExpires: 3600\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>;expires=120\r\nExpires: 900\r\n");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 120);
}

TEST_F(on_registered_test, contact_in_the_200_matched_by_contact_key) {
  // Host case and an explicit :5060 do not make it another contact.
  run("Contact: <sip:1000@Phone.example.com>;expires=3600\r\n",
      "Contact: <sip:1000@phone.EXAMPLE.com:5060>;expires=90\r\n");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].contact, "sip:1000@Phone.example.com");
  EXPECT_EQ(at(bs[0].expires), 90);
}

TEST_F(on_registered_test, expiry_from_the_200_expires_header_when_its_contact_has_none) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=3600\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 300\r\n");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 300);
}

TEST_F(on_registered_test, expiry_from_the_200_expires_header_when_it_lists_no_contacts) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=3600\r\n", "Expires: 300\r\n");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  // No Contact in the 200 (nothing says this contact was dropped): the 200's Expires is
  // what the SIP Server granted, ahead of what the request asked for.
  EXPECT_EQ(at(bs[0].expires), 300);
}

TEST_F(on_registered_test, expiry_from_the_request_contact_when_the_200_says_nothing) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=45\r\nExpires: 600\r\n", "");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 45);
}

TEST_F(on_registered_test, expiry_from_the_request_expires_header_when_the_200_says_nothing) {
  run("Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 600\r\n", "");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 600);
}

TEST_F(on_registered_test, expiry_3600_when_nobody_gives_one) {
  run("Contact: <sip:1000@192.0.2.10:5070>\r\n", "");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 3600);
}

TEST_F(on_registered_test, echoed_contact_without_any_expiry_keeps_the_request_contact_value) {
  // The 200 lists the contact but gives no expiry at all (no param, no Expires): the
  // value asked for in the request's Contact is the best information there is.
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=45\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>\r\n");
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 45);
}

TEST_F(on_registered_test, several_contacts_in_one_register) {
  auto r = run(
      "Contact: <sip:1000@192.0.2.10:5070>;expires=100, \"Desk, 2\" "
      "<sip:1000@192.0.2.11:5070>;expires=200\r\n"
      "Contact: <sip:1000@192.0.2.12:5070>\r\n"
      "Expires: 300\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>;expires=100, <sip:1000@192.0.2.11:5070>;expires=200, "
      "<sip:1000@192.0.2.12:5070>;expires=300\r\n");
  EXPECT_EQ(r.stored, 3u);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 3u);
  ASSERT_TRUE(find(bs, "sip:1000@192.0.2.10:5070"));
  ASSERT_TRUE(find(bs, "sip:1000@192.0.2.11:5070"));
  ASSERT_TRUE(find(bs, "sip:1000@192.0.2.12:5070"));
  EXPECT_EQ(at(find(bs, "sip:1000@192.0.2.10:5070")->expires), 100);
  EXPECT_EQ(at(find(bs, "sip:1000@192.0.2.11:5070")->expires), 200);
  EXPECT_EQ(at(find(bs, "sip:1000@192.0.2.12:5070")->expires), 300);
}

TEST_F(on_registered_test, refresh_replaces_expiry_and_flow) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=60\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>;expires=60\r\n");
  transport::peer moved = flow_of("192.0.2.10", 6000);
  auto r = run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
               "Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n", t0 + seconds(30), &moved,
               "reg-cid-1", 2);
  EXPECT_EQ(r.stored, 1u);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 630);
  EXPECT_EQ(bs[0].flow.port, 6000);
  EXPECT_EQ(bs[0].cseq, 2u);
  EXPECT_EQ(store.size(), 1u);
  // The first registration's deadline does not remove the refreshed binding.
  EXPECT_EQ(store.expire(t0 + seconds(60)), 0u);
  EXPECT_EQ(store.size(), 1u);
}

TEST_F(on_registered_test, expires_zero_in_the_contact_removes_it) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n");
  ASSERT_EQ(store.size(), 1u);
  auto r =
      run("Contact: <sip:1000@192.0.2.10:5070>;expires=0\r\n", "", t0, nullptr, "reg-cid-1", 2);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_TRUE(store.lookup(aor).empty());
  EXPECT_FALSE(store.by_contact("sip:1000@192.0.2.10:5070").has_value());
}

TEST_F(on_registered_test, expires_header_zero_removes_it) {
  run("Contact: <sip:1000@192.0.2.10:5070>\r\n", "");
  ASSERT_EQ(store.size(), 1u);
  auto r = run("Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 0\r\n", "Expires: 0\r\n", t0,
               nullptr, "reg-cid-1", 2);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(on_registered_test, zero_granted_by_the_200_removes_it) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n", "");
  ASSERT_EQ(store.size(), 1u);
  auto r = run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
               "Contact: <sip:1000@192.0.2.10:5070>;expires=0\r\n", t0, nullptr, "reg-cid-1", 2);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(on_registered_test, removing_one_contact_keeps_the_others) {
  run("Contact: <sip:1000@192.0.2.10:5070>, <sip:1000@192.0.2.11:5070>\r\nExpires: 600\r\n", "");
  ASSERT_EQ(store.size(), 2u);
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=0\r\n",
      "Contact: <sip:1000@192.0.2.11:5070>;expires=580\r\n", t0, nullptr, "reg-cid-1", 2);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].contact, "sip:1000@192.0.2.11:5070");
}

TEST_F(on_registered_test, star_removes_every_binding_of_the_aor) {
  run("Contact: <sip:1000@192.0.2.10:5070>, <sip:1000@192.0.2.11:5070>\r\nExpires: 600\r\n", "");
  memory_binding_store& s = store;
  binding other;
  other.aor = "sip:1001@example.com";
  other.contact = "sip:1001@192.0.2.20:5070";
  other.expires = t0 + seconds(600);
  s.put(other);
  ASSERT_EQ(store.size(), 3u);
  auto r = run("Contact: *\r\nExpires: 0\r\n", "", t0, nullptr, "reg-cid-1", 2);
  EXPECT_EQ(r.removed, 2u);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_TRUE(store.lookup(aor).empty());
  EXPECT_FALSE(store.by_contact("sip:1000@192.0.2.10:5070").has_value());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.lookup("sip:1001@example.com").size(), 1u);
}

TEST_F(on_registered_test, star_with_nothing_registered_is_harmless) {
  auto r = run("Contact: *\r\nExpires: 0\r\n", "");
  EXPECT_EQ(r.removed, 0u);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(on_registered_test, contact_the_200_does_not_list_is_removed) {
  // The registrar lists other contacts (of other devices), but not this one: it did not
  // keep it.
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n", "");
  ASSERT_EQ(store.size(), 1u);
  auto r =
      run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
          "Contact: <sip:1000@198.51.100.1:5060>;expires=500\r\n", t0, nullptr, "reg-cid-1", 2);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_TRUE(store.lookup(aor).empty());
  // Contacts only the 200 lists are not stored by this proxy (it has no flow for them).
  EXPECT_FALSE(store.by_contact("sip:1000@198.51.100.1:5060").has_value());
}

TEST_F(on_registered_test, contact_the_200_does_not_list_is_not_stored_in_the_first_place) {
  auto r = run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
               "Contact: <sip:1000@198.51.100.1:5060>;expires=500\r\n");
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(on_registered_test, only_the_request_contacts_are_stored_when_the_200_lists_more) {
  auto r = run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
               "Contact: <sip:1000@198.51.100.1:5060>;expires=500, "
               "<sip:1000@192.0.2.10:5070>;expires=550\r\n");
  EXPECT_EQ(r.stored, 1u);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].contact, "sip:1000@192.0.2.10:5070");
  EXPECT_EQ(at(bs[0].expires), 550);
}

TEST_F(on_registered_test, register_without_contact_is_a_query_and_changes_nothing) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n", "");
  auto r = run("", "Contact: <sip:1000@192.0.2.10:5070>;expires=590\r\n", t0 + seconds(10), nullptr,
               "reg-cid-1", 2);
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(r.removed, 0u);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 600);
}

TEST_F(on_registered_test, non_sip_contact_is_ignored) {
  auto r = run("Contact: <mailto:1000@example.com>;expires=600\r\n", "");
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(on_registered_test, binding_found_by_contact_afterwards) {
  run("Contact: <sip:1000@192.0.2.10:5070;transport=udp>;expires=600\r\n", "");
  auto b = store.by_contact("sip:1000@192.0.2.10:5070");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->aor, aor);
  EXPECT_EQ(b->flow.port, 5070);
}

TEST_F(on_registered_test, expired_by_the_store_at_the_granted_time) {
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=600\r\n",
      "Contact: <sip:1000@192.0.2.10:5070>;expires=2\r\n");
  EXPECT_EQ(store.expire(t0 + seconds(1)), 0u);
  EXPECT_EQ(store.expire(t0 + seconds(2)), 1u);
  EXPECT_EQ(store.size(), 0u);
}

TEST_F(on_registered_test, capped_request_and_response_store_the_cap) {
  // As the proxy does it: the forwarded REGISTER is capped; the SIP Server echoes it.
  auto req = parse(register_text("Contact: <sip:1000@192.0.2.10:5070>\r\nExpires: 3600\r\n"));
  cap_expires(*req, 60);
  auto resp = parse(ok_text("Contact: <sip:1000@192.0.2.10:5070>;expires=60\r\n"));
  reg.on_registered(*req, *resp, flow, aor, t0);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(at(bs[0].expires), 60);
}

// --- max-registrations-per-aor ----------------------------------------------------------

class registration_limit_test : public on_registered_test {
 protected:
  std::size_t if_granted(const std::string& request_extra) {
    return bindings_if_granted(store, aor, *parse(register_text(request_extra)));
  }
  const std::string two = "Contact: <sip:1000@192.0.2.10:5070>, <sip:1000@192.0.2.11:5070>\r\n";
};

TEST_F(registration_limit_test, bindings_if_granted_counts_new_refreshed_and_removed_contacts) {
  EXPECT_EQ(if_granted(two), 2u);
  run(two, "");
  EXPECT_EQ(if_granted("Contact: <sip:1000@192.0.2.10:5070>\r\n"), 2u);  // a refresh
  EXPECT_EQ(if_granted("Contact: <sip:1000@192.0.2.12:5070>\r\n"), 3u);  // one more
  EXPECT_EQ(if_granted("Contact: <sip:1000@192.0.2.10:5070>;expires=0\r\n"), 1u);
  EXPECT_EQ(if_granted("Expires: 0\r\nContact: <sip:1000@192.0.2.11:5070>\r\n"), 1u);
  EXPECT_EQ(if_granted("Contact: *\r\nExpires: 0\r\n"), 0u);
}

TEST_F(registration_limit_test, new_contacts_beyond_the_limit_are_not_stored) {
  reg.set_max_per_aor(2);
  std::string three =
      "Contact: <sip:1000@192.0.2.10:5070>, <sip:1000@192.0.2.11:5070>, "
      "<sip:1000@192.0.2.12:5070>\r\n";
  auto r = run(three, "");
  EXPECT_EQ(r.stored, 2u);
  EXPECT_EQ(r.refused, 1u);
  EXPECT_EQ(store.lookup(aor).size(), 2u);
  EXPECT_FALSE(find(store.lookup(aor), "sip:1000@192.0.2.12:5070"));
}

TEST_F(registration_limit_test, refreshes_at_the_limit_are_stored) {
  reg.set_max_per_aor(2);
  run(two, "");
  auto r = run("Contact: <sip:1000@192.0.2.11:5070>;expires=900\r\n", "", t0 + seconds(10));
  EXPECT_EQ(r.stored, 1u);
  EXPECT_EQ(r.refused, 0u);
  auto bs = store.lookup(aor);
  ASSERT_EQ(bs.size(), 2u);
  EXPECT_EQ(at(find(bs, "sip:1000@192.0.2.11:5070")->expires), 910);
}

TEST_F(registration_limit_test, a_removal_makes_room) {
  reg.set_max_per_aor(2);
  run(two, "");
  run("Contact: <sip:1000@192.0.2.10:5070>;expires=0\r\n", "");
  auto r = run("Contact: <sip:1000@192.0.2.12:5070>\r\n", "");
  EXPECT_EQ(r.stored, 1u);
  EXPECT_EQ(store.lookup(aor).size(), 2u);
}

}  // namespace
}  // namespace sipproxy::registrar
