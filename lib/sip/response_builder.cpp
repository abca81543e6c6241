#include "sip/response_builder.hpp"

#include <fmt/format.h>

#include "sip/name_addr.hpp"

namespace sipproxy::sip {

std::string_view default_reason(int status) {
  switch (status) {
    case 100:
      return "Trying";
    case 180:
      return "Ringing";
    case 183:
      return "Session Progress";
    case 200:
      return "OK";
    case 181:
      return "Call Is Being Forwarded";
    case 182:
      return "Queued";
    case 202:
      return "Accepted";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Moved Temporarily";
    case 305:
      return "Use Proxy";
    case 380:
      return "Alternative Service";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 421:
      return "Extension Required";
    case 423:
      return "Interval Too Brief";
    case 484:
      return "Address Incomplete";
    case 485:
      return "Ambiguous";
    case 486:
      return "Busy Here";
    case 491:
      return "Request Pending";
    case 493:
      return "Undecipherable";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 416:
      return "Unsupported URI Scheme";
    case 420:
      return "Bad Extension";
    case 480:
      return "Temporarily Unavailable";
    case 481:
      return "Call/Transaction Does Not Exist";
    case 482:
      return "Loop Detected";
    case 483:
      return "Too Many Hops";
    case 487:
      return "Request Terminated";
    case 488:
      return "Not Acceptable Here";
    case 489:
      return "Bad Event";
    case 500:
      return "Server Internal Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Server Time-out";
    case 505:
      return "Version Not Supported";
    case 513:
      return "Message Too Large";
    case 600:
      return "Busy Everywhere";
    case 603:
      return "Decline";
    case 604:
      return "Does Not Exist Anywhere";
    case 606:
      return "Not Acceptable";
    default:
      return "Unknown";
  }
}

std::string build_response(const message& request, int status, std::string_view reason,
                           std::string_view to_tag, std::string_view extra) {
  if (reason.empty()) reason = default_reason(status);
  std::string out = fmt::format("SIP/2.0 {} {}\r\n", status, reason);
  out.reserve(512);
  for (const auto& h : request.headers()) {
    if (h.id == header_id::via) out.append("Via: ").append(h.value).append("\r\n");
  }
  for (const auto& h : request.headers()) {
    switch (h.id) {
      case header_id::from:
        out.append("From: ").append(h.value).append("\r\n");
        break;
      case header_id::to:
        out.append("To: ").append(h.value);
        if (status > 100 && !to_tag.empty() && tag_of(h.value).empty()) {
          out.append(";tag=").append(to_tag);
        }
        out.append("\r\n");
        break;
      case header_id::call_id:
        out.append("Call-ID: ").append(h.value).append("\r\n");
        break;
      case header_id::cseq:
        out.append("CSeq: ").append(h.value).append("\r\n");
        break;
      default:
        break;
    }
  }
  out.append(extra);
  out.append("Server: sipproxy/" SIPPROXY_VERSION "\r\nContent-Length: 0\r\n\r\n");
  return out;
}

}  // namespace sipproxy::sip
