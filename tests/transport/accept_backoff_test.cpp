#include "transport/accept_backoff.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/system/errc.hpp>

namespace sipproxy::transport {
namespace {

using std::chrono::milliseconds;

boost::system::error_code errc(boost::system::errc::errc_t e) {
  return boost::system::errc::make_error_code(e);
}

TEST(accept_backoff, out_of_descriptors_waits_doubling_up_to_a_second) {
  accept_backoff b;
  EXPECT_EQ(b.after(errc(boost::system::errc::too_many_files_open)), milliseconds(50));
  EXPECT_EQ(b.after(errc(boost::system::errc::too_many_files_open_in_system)),
            milliseconds(100));
  EXPECT_EQ(b.after(errc(boost::system::errc::no_buffer_space)), milliseconds(200));
  for (int i = 0; i < 10; ++i) b.after(errc(boost::system::errc::too_many_files_open));
  EXPECT_EQ(b.after(errc(boost::system::errc::too_many_files_open)), milliseconds(1000));
  EXPECT_EQ(b.exhausted(), 14u);
}

TEST(accept_backoff, a_successful_accept_starts_over) {
  accept_backoff b;
  b.after(errc(boost::system::errc::too_many_files_open));
  b.after(errc(boost::system::errc::too_many_files_open));
  EXPECT_EQ(b.after({}), milliseconds(0));
  EXPECT_EQ(b.after(errc(boost::system::errc::too_many_files_open)), milliseconds(50));
}

TEST(accept_backoff, a_connections_own_error_is_not_waited_on) {
  accept_backoff b;
  EXPECT_EQ(b.after(boost::asio::error::connection_aborted), milliseconds(0));
  EXPECT_EQ(b.exhausted(), 0u);
}

}  // namespace
}  // namespace sipproxy::transport
