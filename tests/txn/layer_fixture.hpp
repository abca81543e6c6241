// Test doubles for driving txn::transaction_layer without sockets or real time: a sender
// that records what would go on the wire, a TU that records every callback, and a
// timer_queue on a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "log/logger.hpp"
#include "manual_clock.hpp"
#include "sip/parser.hpp"
#include "sip/via.hpp"
#include "transport/peer.hpp"
#include "transport/sender.hpp"
#include "txn/timer_queue.hpp"
#include "txn/transaction_layer.hpp"
#include "txn/transaction_user.hpp"

namespace sipproxy::txn::test {

using namespace std::chrono_literals;

struct fake_sender : transport::sender {
  struct record {
    transport::peer to;
    std::string bytes;
  };
  std::vector<record> sent;
  bool fail = false;

  bool send(const transport::peer& to, std::string_view bytes) override {
    sent.push_back(record{to, std::string(bytes)});
    return !fail;
  }
};

struct fake_tu : transaction_user {
  struct request_event {
    txn_id server;
    sip::message_ptr msg;
    transport::peer from;
  };
  struct cancel_event {
    txn_id cancel_server;
    sip::message_ptr msg;
    txn_id invite_server;
  };
  struct response_event {
    txn_id client;
    sip::message_ptr msg;
  };
  std::vector<request_event> requests;
  std::vector<cancel_event> cancels;
  std::vector<std::pair<sip::message_ptr, transport::peer>> acks;
  std::vector<response_event> responses;
  std::vector<std::pair<txn_id, int>> failures;
  std::vector<sip::message_ptr> strays;
  std::vector<txn_id> gone;

  void on_request(txn_id server, const sip::message_ptr& request,
                  const transport::peer& from) override {
    requests.push_back(request_event{server, request, from});
  }
  void on_cancel(txn_id cancel_server, const sip::message_ptr& cancel,
                 txn_id invite_server) override {
    cancels.push_back(cancel_event{cancel_server, cancel, invite_server});
  }
  void on_ack(const sip::message_ptr& ack, const transport::peer& from) override {
    acks.emplace_back(ack, from);
  }
  void on_response(txn_id client, const sip::message_ptr& response) override {
    responses.push_back(response_event{client, response});
  }
  void on_client_failed(txn_id client, int status) override {
    failures.emplace_back(client, status);
  }
  void on_stray_response(const sip::message_ptr& response) override { strays.push_back(response); }
  void on_server_gone(txn_id server) override { gone.push_back(server); }
};

inline transport::peer make_peer(transport::protocol proto, std::string_view ip,
                                 std::uint16_t port) {
  transport::peer p;
  p.proto = proto;
  EXPECT_TRUE(transport::parse_ip(ip, p.address)) << ip;
  p.port = port;
  return p;
}

inline sip::message_ptr must_parse(const std::string& bytes) {
  auto r = sip::parse(bytes);
  EXPECT_TRUE(r.msg) << bytes;
  EXPECT_EQ(r.error_status, 0) << r.error_reason << "\n" << bytes;
  return r.msg;
}

// A request `method` with the given top Via (sent-by and params) and CSeq number.
inline std::string request(std::string_view method, std::string_view via,
                           std::string_view to_tag = {}, int cseq = 1,
                           std::string_view call_id = "call-1") {
  std::string m;
  m.append(method).append(" sip:bob@example.com SIP/2.0\r\n");
  m.append("Via: ").append(via).append("\r\n");
  m.append("Max-Forwards: 70\r\n");
  m.append("From: Alice <sip:alice@example.com>;tag=a1\r\n");
  m.append("To: Bob <sip:bob@example.com>");
  if (!to_tag.empty()) m.append(";tag=").append(to_tag);
  m.append("\r\nCall-ID: ").append(call_id).append("\r\n");
  m.append("CSeq: ").append(std::to_string(cseq)).append(" ").append(method).append("\r\n");
  m.append("Content-Length: 0\r\n\r\n");
  return m;
}

// A response to a request whose top Via was `via`.
inline std::string response(int status, std::string_view reason, std::string_view cseq_method,
                            std::string_view via, std::string_view to_tag = {}, int cseq = 1,
                            std::string_view call_id = "call-1") {
  std::string m = "SIP/2.0 " + std::to_string(status) + " ";
  m.append(reason).append("\r\n");
  m.append("Via: ").append(via).append("\r\n");
  m.append("From: Alice <sip:alice@example.com>;tag=a1\r\n");
  m.append("To: Bob <sip:bob@example.com>");
  if (!to_tag.empty()) m.append(";tag=").append(to_tag);
  m.append("\r\nCall-ID: ").append(call_id).append("\r\n");
  m.append("CSeq: ").append(std::to_string(cseq)).append(" ").append(cseq_method).append("\r\n");
  m.append("Content-Length: 0\r\n\r\n");
  return m;
}

inline int status_of(const std::string& bytes) {
  auto r = sip::parse(bytes);
  return r.msg && r.msg->is_response() ? r.msg->status() : 0;
}

inline std::string method_of(const std::string& bytes) {
  auto r = sip::parse(bytes);
  return r.msg && r.msg->is_request() ? std::string(r.msg->method()) : std::string();
}

class layer_test : public ::testing::Test {
 protected:
  explicit layer_test(timer_config timing = {}) : layer(sender, timers, timing) {
    log::set_level(log::level::none);
    layer.set_user(tu);
  }

  // Moves the manual clock forward by `d`, firing every timer on the way at its own
  // deadline, as the Asio driver would.
  void advance(timer_queue::duration d) { advance_clock(timers, now, d); }

  std::size_t sent_count() const { return sender.sent.size(); }
  const fake_sender::record& last_sent() const { return sender.sent.back(); }

  timer_queue::time_point now{};
  timer_queue timers{[this] { return now; }};
  fake_sender sender;
  fake_tu tu;
  transaction_layer layer;  // last: destroyed first, while the queue still exists
};

}  // namespace sipproxy::txn::test
