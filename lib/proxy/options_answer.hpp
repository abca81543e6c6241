// What the proxy says about itself when asked (OPTIONS addressed to it, RFC 3261 §11).
#pragma once

#include <string_view>

namespace sipproxy::proxy {

inline constexpr std::string_view options_answer_headers =
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, REFER, INFO, "
    "UPDATE, PRACK, MESSAGE, PUBLISH\r\n"
    "Accept: application/sdp\r\n";

}  // namespace sipproxy::proxy
