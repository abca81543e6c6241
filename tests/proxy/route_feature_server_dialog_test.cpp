#include "step_fixture.hpp"

namespace sipproxy::proxy::test {
namespace {

using route_feature_server_dialog_test = step_test;

TEST_F(route_feature_server_dialog_test, without_an_fs_record_route_passes_on) {
  receive(request_text("SUBSCRIBE", "sip:mwi@127.0.0.20:5090", {}, "fs1"));
  EXPECT_EQ(run(route_feature_server_dialog), step_result::next);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(route_feature_server_dialog_test, refresh_goes_to_its_feature_server) {
  receive(request_text("SUBSCRIBE", "sip:mwi@127.0.0.20:5090", {}, "fs1"));
  ctx.rr_feature_server = true;
  ctx.rr_feature_server_name = "127.0.0.20:5090";
  EXPECT_EQ(run(route_feature_server_dialog), step_result::routed);
  EXPECT_EQ(hop(), feature_server.to_string());
  EXPECT_TRUE(ctx.to_feature_server);
  EXPECT_EQ(ctx.feature_server, "127.0.0.20:5090");
}

TEST_F(route_feature_server_dialog_test, target_elsewhere_is_403) {
  receive(request_text("SUBSCRIBE", "sip:mwi@127.0.0.66:5060", {}, "fs1"));
  ctx.rr_feature_server = true;
  EXPECT_EQ(run(route_feature_server_dialog), step_result::done);
  EXPECT_EQ(ctx.status, 403);
  EXPECT_FALSE(ctx.next_hop);
}

TEST_F(route_feature_server_dialog_test, server_taken_out_by_a_reload_keeps_its_dialogs) {
  receive(request_text("SUBSCRIBE", "sip:mwi@127.0.0.21:5090", {}, "fs1"));
  ctx.rr_feature_server = true;
  ctx.rr_feature_server_name = "127.0.0.21:5090";  // not in feature-server-address any more
  EXPECT_EQ(run(route_feature_server_dialog), step_result::routed);
  EXPECT_EQ(hop(), peer_at("127.0.0.21", 5090).to_string());
  EXPECT_EQ(ctx.feature_server, "127.0.0.21:5090");
}

TEST_F(route_feature_server_dialog_test, named_server_does_not_open_another) {
  receive(request_text("SUBSCRIBE", "sip:mwi@127.0.0.20:5090", {}, "fs1"));
  ctx.rr_feature_server = true;
  ctx.rr_feature_server_name = "127.0.0.21:5090";
  EXPECT_EQ(run(route_feature_server_dialog), step_result::done);
  EXPECT_EQ(ctx.status, 403);
}

}  // namespace
}  // namespace sipproxy::proxy::test
