#include "proxy/route_signer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::proxy {
namespace {

const txn::siphash_key key_a{0x0123456789abcdefull, 0xfedcba9876543210ull};
const txn::siphash_key key_b{1, 2};

// The URI with its `sig` signed by `s` appended.
std::string signed_uri(const route_signer& s, const std::string& text) {
  auto u = sip::parse_uri(text);
  EXPECT_TRUE(u);
  return text + ";sig=" + s.signature(*u);
}

bool verifies(const route_signer& s, const std::string& text) {
  auto u = sip::parse_uri(text);
  return u && s.verify(*u);
}

TEST(route_signer, its_own_signature_verifies) {
  route_signer s(key_a);
  std::string rr = signed_uri(s, "sip:10.0.0.1:5060;lr;sps=1;spm=b;dn=1000");
  EXPECT_TRUE(verifies(s, rr));
  std::string fs = signed_uri(s, "sip:10.0.0.1:5060;transport=tcp;lr;fs;dn=1000");
  EXPECT_TRUE(verifies(s, fs));
}

TEST(route_signer, the_pair_name_and_the_feature_server_are_bound) {
  route_signer s(key_a);
  std::string base = "sip:10.0.0.1:5060;lr;sps=1;spm=p;spn=SIPServer_B;dn=1000";
  std::string sig = signed_uri(s, base).substr(base.size());
  EXPECT_TRUE(verifies(s, base + sig));
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=1;spm=p;spn=SIPServer_A;dn=1000" + sig));
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=1;spm=p;dn=1000" + sig));  // removed
  std::string fs = "sip:10.0.0.1:5060;lr;fs=10.0.0.9:5080;dn=1000";
  std::string fs_sig = signed_uri(s, fs).substr(fs.size());
  EXPECT_TRUE(verifies(s, fs + fs_sig));
  // A dialog with one Feature Server cannot be pointed at another.
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;fs=10.0.0.8:5080;dn=1000" + fs_sig));
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;fs;dn=1000" + fs_sig));
}

TEST(route_signer, a_uri_without_sig_does_not_verify) {
  route_signer s(key_a);
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;fs"));
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=0;sig="));
}

TEST(route_signer, every_covered_parameter_is_bound) {
  route_signer s(key_a);
  std::string base = "sip:10.0.0.1:5060;lr;sps=1;spm=p;dn=1000";
  std::string sig = signed_uri(s, base).substr(base.size());
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=2;spm=p;dn=1000" + sig));  // changed
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=1;spm=b;dn=1000" + sig));
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=1;spm=p;dn=1001" + sig));
  EXPECT_FALSE(verifies(s, base + ";fs" + sig));                        // added
  EXPECT_FALSE(verifies(s, "sip:10.0.0.1:5060;lr;sps=1;spm=p" + sig));  // removed
  // Order, host and parameters it does not cover do not matter.
  EXPECT_TRUE(verifies(s, "sip:pool.example.com;dn=1000;spm=p;lr;sps=1;transport=tcp" + sig));
}

TEST(route_signer, another_key_does_not_verify_until_it_is_the_previous_one) {
  route_signer old_signer(key_b);
  std::string rr = signed_uri(old_signer, "sip:10.0.0.1:5060;lr;fs");
  EXPECT_FALSE(verifies(route_signer(key_a), rr));
  EXPECT_TRUE(verifies(route_signer(key_a, key_b), rr));  // grace after a rotation
  // The previous key never signs.
  route_signer rotated(key_a, key_b);
  EXPECT_FALSE(verifies(old_signer, signed_uri(rotated, "sip:10.0.0.1:5060;lr;fs")));
}

TEST(route_signer, keys_are_32_hex_digits) {
  auto k = route_signer::parse_key("000102030405060708090a0b0c0d0e0F");
  ASSERT_TRUE(k);
  EXPECT_EQ((*k)[0], 0x0706050403020100ull);
  EXPECT_EQ((*k)[1], 0x0f0e0d0c0b0a0908ull);
  EXPECT_FALSE(route_signer::parse_key(""));
  EXPECT_FALSE(route_signer::parse_key("000102030405060708090a0b0c0d0e"));
  EXPECT_FALSE(route_signer::parse_key("000102030405060708090a0b0c0d0e0g"));
}

TEST(route_signer, derived_keys_depend_on_label_and_material) {
  auto a = route_signer::derive_key("l", "token");
  EXPECT_EQ(a, route_signer::derive_key("l", "token"));
  EXPECT_NE(a, route_signer::derive_key("l", "token2"));
  EXPECT_NE(a, route_signer::derive_key("m", "token"));
}

config::settings settings_with(std::string secret, std::string previous, std::string token,
                               int instances) {
  config::settings s;
  s.route_secret = std::move(secret);
  s.route_secret_previous = std::move(previous);
  s.mgmt_token = std::move(token);
  for (int i = 0; i < instances; ++i) {
    config::proxy_app p;
    p.name = "SIPProxy_" + std::to_string(i + 1);
    p.host = "10.0.0." + std::to_string(i + 1);
    s.proxies.push_back(p);
  }
  return s;
}

TEST(route_signer, a_pool_shares_its_key_and_a_lone_process_keeps_its_own) {
  std::string secret = "00112233445566778899aabbccddeeff";
  std::string uri = "sip:10.0.0.1:5060;lr;sps=0";
  // route-secret: every instance verifies every other's.
  auto a = make_route_signer(settings_with(secret, "", "t", 2));
  auto b = make_route_signer(settings_with(secret, "", "", 2));
  EXPECT_TRUE(verifies(b.signer, signed_uri(a.signer, uri)));
  EXPECT_FALSE(a.weak);
  // mgmt-token, when route-secret is not set.
  auto t1 = make_route_signer(settings_with("", "", "t", 2));
  auto t2 = make_route_signer(settings_with("", "", "t", 2));
  EXPECT_TRUE(verifies(t2.signer, signed_uri(t1.signer, uri)));
  EXPECT_FALSE(verifies(a.signer, signed_uri(t1.signer, uri)));
  // Neither, several instances: derived from the pool, and said to be weak.
  auto p = make_route_signer(settings_with("", "", "", 2));
  EXPECT_TRUE(p.weak);
  EXPECT_TRUE(
      verifies(make_route_signer(settings_with("", "", "", 2)).signer, signed_uri(p.signer, uri)));
  // One instance: a key of its own, which another process does not share.
  auto r1 = make_route_signer(settings_with("", "", "", 1));
  auto r2 = make_route_signer(settings_with("", "", "", 1));
  EXPECT_FALSE(verifies(r2.signer, signed_uri(r1.signer, uri)));
  // Rotation: the new secret with the old one as previous accepts the old Record-Routes.
  auto rotated =
      make_route_signer(settings_with("ffeeddccbbaa99887766554433221100", secret, "", 2));
  EXPECT_TRUE(verifies(rotated.signer, signed_uri(a.signer, uri)));
}

}  // namespace
}  // namespace sipproxy::proxy
