// Our parser against libosip2, message by message: do both accept it, and when both do,
// do they read the same routing fields? Every disagreement must match a row of the table
// of known disagreements (each one libosip2's, with the RFC 3261 / RFC 4475 rule that
// decides; our own bugs are fixed instead, with a regression input). The unit test
// (parser_differential_test.cpp) runs it over every torture and corpus message, the fuzz
// target (tests/fuzz/parser_differential_fuzz.cpp) over whatever libFuzzer makes.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sip/parser.hpp"
#include "sip/routing_fields.hpp"

namespace sipproxy::sip {

struct field_disagreement {
  std::string field;  // "acceptance", "method", "via_branch", "routes"...
  std::string ours;   // what our parser says
  std::string osip;   // what libosip2 says
};

struct differential {
  std::string bytes;
  parse_result ours;
  bool ours_accepts = false;  // a message, and no 400/505 verdict
  std::optional<routing_fields> osip;
  std::vector<field_disagreement> disagreements;
};

differential compare_parsers(std::string_view bytes);

// One kind of disagreement: where it shows, what each parser says, why libosip2 is wrong
// (the rule that decides) and a predicate that recognises it.
struct known_disagreement {
  std::string_view id;
  std::string_view field;
  std::string_view ours;
  std::string_view osip;
  std::string_view rule;
  bool (*matches)(const differential& d, const field_disagreement& f);
};

std::span<const known_disagreement> known_disagreements();

// The row that explains `f`, or null when the disagreement is new.
const known_disagreement* classify(const differential& d, const field_disagreement& f);

// A readable account of one disagreement, for test failures and fuzz findings.
std::string describe(const differential& d, const field_disagreement& f);

}  // namespace sipproxy::sip
