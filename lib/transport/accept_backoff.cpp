#include "transport/accept_backoff.hpp"

#include <algorithm>
#include <boost/system/errc.hpp>

namespace sipproxy::transport {

bool out_of_descriptors(const boost::system::error_code& ec) {
  namespace errc = boost::system::errc;
  return ec == errc::too_many_files_open || ec == errc::too_many_files_open_in_system ||
         ec == errc::no_buffer_space || ec == errc::not_enough_memory;
}

std::chrono::milliseconds accept_backoff::after(const boost::system::error_code& ec) {
  if (!out_of_descriptors(ec)) {
    if (!ec) next_ = first;
    return std::chrono::milliseconds(0);
  }
  ++exhausted_;
  auto wait = next_;
  next_ = std::min(next_ * 2, longest);
  return wait;
}

}  // namespace sipproxy::transport
