#include "mgmt/mgmt_server.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipproxy::mgmt {
namespace {

using namespace std::chrono_literals;

struct counting_handler : command_handler {
  int handled = 0;
  json handle(const request&) override {
    ++handled;
    return ok();
  }
};

struct mgmt_server_with_token : ::testing::Test {
  boost::asio::io_context io;
  counting_handler handler;
  mgmt_server server{io, handler, "right-token"};
  token_guard::clock::time_point t = token_guard::clock::now();

  void SetUp() override { ASSERT_EQ(server.listen("127.0.0.1", 0), ""); }

  json ask(const std::string& token, const std::string& source, token_guard::clock::time_point at) {
    request r{"drain", {}, token, {}};
    std::string line = encode(r);
    line.pop_back();
    return json::parse(server.answer(line, source, at));
  }
};

TEST_F(mgmt_server_with_token, wrong_tokens_lock_the_source_out_even_with_the_right_one) {
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(ask("guess" + std::to_string(i), "192.0.2.7", t)["ok"].get<bool>());
  EXPECT_TRUE(
      ask("right-token", "192.0.2.7", t)["ok"].get<bool>());  // 4 < 5: still allowed, and cleared
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(ask("guess", "192.0.2.7", t)["ok"].get<bool>());
  json locked = ask("right-token", "192.0.2.7", t + 1s);
  EXPECT_FALSE(locked["ok"].get<bool>());
  EXPECT_NE(locked["error"].get<std::string>().find("too many wrong mgmt-token attempts"),
            std::string::npos)
      << locked.dump();
  // Another source, and the same one once the lockout is over, get through.
  EXPECT_TRUE(ask("right-token", "192.0.2.8", t + 1s)["ok"].get<bool>());
  EXPECT_TRUE(ask("right-token", "192.0.2.7", t + 301s)["ok"].get<bool>());
  EXPECT_EQ(handler.handled, 3);
}

TEST_F(mgmt_server_with_token, read_only_commands_need_no_token_even_when_locked_out) {
  for (int i = 0; i < 5; ++i) ask("guess", "192.0.2.9", t);
  json r = json::parse(server.answer(R"({"cmd":"status"})", "192.0.2.9", t));
  EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
}

TEST_F(mgmt_server_with_token, a_missing_token_is_refused_but_does_not_lock_out) {
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(ask("", "192.0.2.10", t)["ok"].get<bool>());
  EXPECT_TRUE(ask("right-token", "192.0.2.10", t)["ok"].get<bool>());
}

}  // namespace
}  // namespace sipproxy::mgmt
