#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using note_registered_aor_test = step_test;

TEST_F(note_registered_aor_test, register_notes_its_aor_and_passes_on) {
  receive(request_text("REGISTER", "sip:127.0.0.1", "Contact: <sip:2000@127.0.0.50:5062>\r\n"));
  EXPECT_EQ(run(note_registered_aor), step_result::next);
  EXPECT_EQ(ctx.aor, "sip:2000@127.0.0.1");
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(note_registered_aor_test, other_methods_have_none) {
  receive(request_text("INVITE", "sip:2000@127.0.0.1"));
  EXPECT_EQ(run(note_registered_aor), step_result::next);
  EXPECT_EQ(ctx.aor, "");
}

}  // namespace
}  // namespace sipproxy::proxy::test
