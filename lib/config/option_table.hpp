// Every option of the deployment file: name, default, valid values, when a change takes
// effect and which mode it applies to (the seed's option reference, plus the few this
// implementation adds). The loader, SIGHUP, `sipproxyctl set`, --help and the man page
// all read this one table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sipproxy::config {

// word: letters and digits only (the seed's "any alphanumeric string"), or empty.
enum class value_kind {
  integer,
  boolean,
  text,
  list,
  host_port,
  host_port_list,
  choice,
  key128,
  word
};
enum class takes_effect { immediately, after_restart, next_register };
// The mode the seed documents an option for ("Standalone only", "Cluster only"). sipproxy
// reads every option in both modes where it has a meaning; this records the contract.
enum class applies_to { both, standalone, cluster };
// Where an option may be written: the [sipproxy] section (and overridden per
// application section), or only in the proxy application's own section.
enum class option_scope { deployment, application };

struct option_spec {
  std::string_view name;
  std::string_view default_value;  // as written in the file; empty = NULL (unset)
  value_kind kind;
  std::int64_t min = 0;  // integer range
  std::int64_t max = 0;
  std::string_view choices;  // choice: comma-separated ("0,10")
  takes_effect effect;
  applies_to mode;
  option_scope scope;
  std::string_view summary;
};

std::span<const option_spec> options();
const option_spec* find_option(std::string_view name);

// The valid values in words: "0-300", "true, false", "0, 10", "any string", "letters and digits".
std::string describe_range(const option_spec& spec);
std::string_view describe_effect(takes_effect effect);
std::string_view describe_mode(applies_to mode);

// A decimal, or 0x-prefixed hexadecimal (the seed writes TOS values as 0xB8), integer.
std::optional<std::int64_t> parse_integer(std::string_view text);

// Letters and digits only (empty included): the form of a geo-location.
bool is_word(std::string_view value);

// Checks a value against the spec; the reason when it does not fit.
std::optional<std::string> check_value(const option_spec& spec, std::string_view value);

// Levenshtein distance: how far a misspelt name is from a known one.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The known option closest to a misspelt name (edit distance), or empty.
std::string_view nearest_option(std::string_view name);

}  // namespace sipproxy::config
