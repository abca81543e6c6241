// libFuzzer target: our SIP parser against libosip2 (tests/sip/parser_differential.hpp).
// Aborts, leaving the input in the findings, on any disagreement about acceptance or a
// routing field (method, Request-URI, top Via and branch, Call-ID, CSeq, From/To tags,
// Content-Length, Route) that the table of known disagreements does not explain.
//
// SIPPROXY_DIFF_MATCH=TEXT aborts only on a disagreement whose account contains TEXT, so
// that -minimize_crash=1 shrinks a finding without wandering off to another kind.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/parser_differential.hpp"

using namespace sipproxy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* match = std::getenv("SIPPROXY_DIFF_MATCH");
  auto d = sip::compare_parsers(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& f : d.disagreements) {
    if (sip::classify(d, f)) continue;
    std::string account = sip::describe(d, f);
    if (match && account.find(match) == std::string::npos) continue;
    std::fprintf(stderr, "unclassified disagreement: %s\n", account.c_str());
    std::abort();
  }
  return 0;
}
