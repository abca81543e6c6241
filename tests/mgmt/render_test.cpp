// sipproxyctl's rendering of replies: a reply that lacks the fields of its command (another
// version of sipproxyd, a truncated reply) renders with "-" for each, never undefined
// behaviour; one whose fields have another type throws json::exception (main says so).
#include <gtest/gtest.h>

#include "mgmt/client.hpp"

namespace sipproxy::mgmt {
namespace {

TEST(render, a_reply_without_its_fields_renders_dashes) {
  const json bare{{"ok", true}};
  for (const char* cmd : {"status", "servers", "registrations", "peers", "get", "set", "drain"}) {
    SCOPED_TRACE(cmd);
    EXPECT_NO_THROW(render(cmd, bare));
  }
  EXPECT_EQ(render("get", bare), "- = -  (default -; valid -; takes effect -)\n");
}

TEST(render, a_refusal_says_why) {
  EXPECT_EQ(render("set", json{{"ok", false}, {"error", "needs the token"}}),
            "refused: needs the token\n");
}

TEST(render, fields_of_another_type_throw_a_json_exception) {
  EXPECT_THROW(render("status", json{{"ok", true}, {"transactions", "many"}}), json::exception);
}

}  // namespace
}  // namespace sipproxy::mgmt
