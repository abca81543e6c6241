// GET / on the HTTP port: the status document (GET /status) as an HTML page an operator
// can keep open, in the spirit of HAProxy's stats page: alarms, each SIP Server pair with
// its members (state, last OPTIONS round trip, probes, dialogs), the Feature Servers, the
// pool's peers and their links, the shared storage, and the traffic counters.
//
// Server-rendered from the same document as /status, no external assets, complete with
// JavaScript off. A small inline script fetches the live part again (`/?fragment=1`,
// status_fragment) every refresh_seconds and swaps it in; with JavaScript off the page
// offers a reload link. Every value is HTML-escaped: pair and peer names, addresses,
// errors and alarm texts come from the configuration or from the network. The inline
// style and script carry the response's CSP nonce (status_page_csp), so nothing else on
// the page could run even if a value escaped.
#pragma once

#include <string>
#include <string_view>

#include "mgmt/protocol.hpp"

namespace sipproxy::mgmt {

inline constexpr int status_page_refresh_seconds = 5;

// &, <, >, " and ' as character references: safe in text and in quoted attributes.
std::string html_escape(std::string_view text);

// The whole page. `nonce`: the response's CSP nonce (letters and digits only).
std::string status_page(const json& status, std::string_view nonce);
// The part that refreshes (the content of <main id="live">).
std::string status_fragment(const json& status);
// The Content-Security-Policy header value that goes with status_page(…, nonce).
std::string status_page_csp(std::string_view nonce);

}  // namespace sipproxy::mgmt
