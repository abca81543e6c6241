// c-ares status codes (ARES_ENOTFOUND, ARES_ETIMEOUT...) as std::error_code values, so the
// resolver reports failures as values and callers compare them with the usual idioms.
#pragma once

#include <system_error>

namespace sipproxy::dns {

// The category of c-ares status codes; message() is ares_strerror() with a hint of what
// it means for an operator ("no such name", "the DNS server did not answer").
const std::error_category& ares_category();

// ARES_SUCCESS maps to the empty error_code.
std::error_code make_ares_error(int status);

// Whether the code says the name (or the record type for it) does not exist, as
// opposed to a failure to ask (timeout, refused, bad server).
bool is_no_data(const std::error_code& ec);

}  // namespace sipproxy::dns
