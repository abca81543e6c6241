#include "dns/srv_reply.hpp"

#include <ares.h>
#include <gtest/gtest.h>

#include "dns/ares_error.hpp"

namespace sipproxy::dns {
namespace {

using bytes = std::vector<unsigned char>;

void put16(bytes& b, int v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}

void put_name(bytes& b, std::string_view name) {
  while (!name.empty()) {
    auto dot = name.find('.');
    auto label = name.substr(0, dot);
    b.push_back(static_cast<unsigned char>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  b.push_back(0);
}

// A response to "SRV _sip._udp.example.com" with `answers` SRV records; the targets
// use a compression pointer to the question's "example.com".
bytes response(int answers, std::uint32_t ttl) {
  bytes b;
  put16(b, 0x1234);
  put16(b, 0x8180);
  put16(b, 1);
  put16(b, answers);
  put16(b, 0);
  put16(b, 0);
  put_name(b, "_sip._udp.example.com");
  put16(b, 33);
  put16(b, 1);
  for (int i = 0; i < answers; ++i) {
    put16(b, 0xc00c);  // the question's name
    put16(b, 33);
    put16(b, 1);
    put16(b, static_cast<int>(ttl >> 16));
    put16(b, static_cast<int>(ttl & 0xffff));
    bytes rdata;
    put16(rdata, 10 + i);
    put16(rdata, 5);
    put16(rdata, 5060 + i);
    rdata.push_back(3);
    rdata.insert(rdata.end(), {'s', 'p', static_cast<unsigned char>('1' + i)});
    rdata.push_back(0xc0);
    rdata.push_back(22);  // "example.com" in the question (12 + 10)
    put16(b, static_cast<int>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
  }
  return b;
}

TEST(SrvReply, ReadsRecordsWithTtls) {
  auto b = response(2, 3600);
  std::vector<srv_record> out;
  auto ec = parse_srv_reply(b.data(), static_cast<int>(b.size()), out);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (srv_record{10, 5, 5060, "sp1.example.com", 3600}));
  EXPECT_EQ(out[1], (srv_record{11, 5, 5061, "sp2.example.com", 3600}));
}

TEST(SrvReply, NoAnswerIsNoData) {
  auto b = response(0, 0);
  std::vector<srv_record> out;
  auto ec = parse_srv_reply(b.data(), static_cast<int>(b.size()), out);
  EXPECT_EQ(ec, make_ares_error(ARES_ENODATA));
  EXPECT_TRUE(is_no_data(ec));
}

TEST(SrvReply, TruncatedMessagesAreBadResponses) {
  auto full = response(1, 60);
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    std::vector<srv_record> out;
    auto ec = parse_srv_reply(full.data(), static_cast<int>(cut), out);
    EXPECT_TRUE(ec) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace sipproxy::dns
