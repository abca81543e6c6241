#include "transport/tls_context.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "transport/peer.hpp"

namespace sipproxy::transport {
namespace {

// The checks that need no certificate (those that do are in integration/test_tls.py,
// with certificates made by openssl at test time).
TEST(tls_context, each_problem_names_its_option) {
  tls_problem p;
  tls_options o;
  EXPECT_FALSE(make_tls_contexts(o, p).server);
  EXPECT_EQ(p.option, "tls-certificate");

  o.certificate = "/nonexistent/cert.pem";
  o.private_key = "/nonexistent/key.pem";
  EXPECT_FALSE(make_tls_contexts(o, p).server);
  EXPECT_EQ(p.option, "tls-certificate");
  EXPECT_NE(p.what.find("does not exist"), std::string::npos) << p.what;

  std::string junk = ::testing::TempDir() + "tls_context_test_junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  o.certificate = junk;
  EXPECT_FALSE(make_tls_contexts(o, p).server);
  EXPECT_EQ(p.option, "tls-private-key");  // checked for existence before parsing

  o.private_key = junk;
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(make_tls_contexts(o, p).server);
  EXPECT_EQ(p.option, "tls-ca-file");

  o.ca_file.clear();
  EXPECT_FALSE(make_tls_contexts(o, p).server);
  EXPECT_EQ(p.option, "tls-certificate");
  EXPECT_NE(p.what.find("not a PEM certificate"), std::string::npos) << p.what;

  o.ciphers = "NO-SUCH-CIPHER";
  EXPECT_FALSE(make_tls_contexts(o, p).server);
  EXPECT_EQ(p.option, "tls-ciphers");
  std::remove(junk.c_str());
}

TEST(tls_context, protocol_names) {
  EXPECT_EQ(protocol_name(protocol::tls), "TLS");
  EXPECT_EQ(protocol_param(protocol::tls), "tls");
  EXPECT_TRUE(is_stream(protocol::tls));
  EXPECT_TRUE(is_stream(protocol::tcp));
  EXPECT_FALSE(is_stream(protocol::udp));
  peer p{protocol::tls, boost::asio::ip::make_address("192.0.2.1"), 5061, 0};
  EXPECT_EQ(p.to_string(), "tls:192.0.2.1:5061");
}

}  // namespace
}  // namespace sipproxy::transport
