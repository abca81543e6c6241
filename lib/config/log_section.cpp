#include "config/log_section.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "config/config_error.hpp"
#include "config/option_table.hpp"

namespace sipproxy::config {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// "<number>[ unit]": the number and the unit, lower-cased ("" when none); false when the
// text is not that.
bool number_and_unit(std::string_view text, std::uint64_t& n, std::string& unit) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data()) return false;
  unit = lower(trim(std::string_view(end, text.data() + text.size() - end)));
  return true;
}

[[noreturn]] void invalid(const std::string& path, const log_entry& e, std::string_view valid) {
  throw config_error(
      path, e.line,
      fmt::format("[log] {} = '{}' is not valid; valid values: {}", e.key, e.value, valid));
}

constexpr std::string_view verbose_values = "all, debug, trace, interaction, standard, none";
constexpr std::string_view output_values =
    "a comma-separated list of stdout, stderr and file names";
constexpr std::string_view segment_values =
    "false, or a size: <number> (KB), <number> KB (at least 100), <number> MB (1-10000), or a "
    "time: <number> hr (1-8760)";
constexpr std::string_view expire_values =
    "false, <number> or <number> file (1-1000 segments kept), <number> day (1-100 days)";

log::log_segment parse_segment(const std::string& path, const log_entry& e) {
  std::string v = lower(e.value);
  if (v == "false") return {};
  std::uint64_t n = 0;
  std::string unit;
  if (!number_and_unit(v, n, unit)) invalid(path, e, segment_values);
  if ((unit.empty() || unit == "kb") && n >= 100 && n <= 10'000'000)
    return {log::log_segment::kind::bytes, n * 1024};
  if (unit == "mb" && n >= 1 && n <= 10'000) return {log::log_segment::kind::bytes, n << 20};
  if ((unit == "hr" || unit == "hours" || unit == "hour") && n >= 1 && n <= 8760)
    return {log::log_segment::kind::hours, n};
  invalid(path, e, segment_values);
}

log::log_expire parse_expire(const std::string& path, const log_entry& e) {
  std::string v = lower(e.value);
  if (v == "false") return {};
  std::uint64_t n = 0;
  std::string unit;
  if (!number_and_unit(v, n, unit)) invalid(path, e, expire_values);
  if ((unit.empty() || unit == "file" || unit == "files") && n >= 1 && n <= 1000)
    return {log::log_expire::kind::segments, static_cast<unsigned>(n)};
  if ((unit == "day" || unit == "days") && n >= 1 && n <= 100)
    return {log::log_expire::kind::days, static_cast<unsigned>(n)};
  invalid(path, e, expire_values);
}

// The outputs of one level option, merged into `out` (a target named by several options
// takes the widest of them).
void add_outputs(const std::string& path, const log_entry& e, log::level upto,
                 std::vector<log::log_output>& out) {
  std::size_t start = 0;
  bool any = false;
  while (start <= e.value.size()) {
    std::size_t comma = e.value.find(',', start);
    std::string target = trim(std::string_view(e.value).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? e.value.size() + 1 : comma + 1;
    if (target.empty()) continue;
    std::string l = lower(target);
    if (l == "network" || l == "memory")
      throw config_error(path, e.line,
                         fmt::format("[log] {} = '{}': the '{}' output is not supported by "
                                     "sipproxyd; valid values: {}",
                                     e.key, e.value, target, output_values));
    if (l == "stdout" || l == "stderr") target = l;
    any = true;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const log::log_output& o) { return o.target == target; });
    if (it == out.end())
      out.push_back({target, upto});
    else if (static_cast<int>(upto) > static_cast<int>(it->upto))
      it->upto = upto;
  }
  if (!any) invalid(path, e, output_values);
}

}  // namespace

log::log_options parse_log_section(const std::string& path, const std::vector<log_entry>& entries) {
  log::log_options o;
  std::vector<log::log_output> outputs;
  bool outputs_given = false;
  for (const auto& e : entries) {
    const std::string& k = e.key;
    if (k == "verbose") {
      if (!log::parse_level(lower(e.value), o.verbose) || lower(e.value) == "info")
        invalid(path, e, verbose_values);
    } else if (k == "all" || k == "debug") {
      add_outputs(path, e, log::level::debug, outputs);
      outputs_given = true;
    } else if (k == "trace") {
      add_outputs(path, e, log::level::trace, outputs);
      outputs_given = true;
    } else if (k == "interaction") {
      add_outputs(path, e, log::level::interaction, outputs);
      outputs_given = true;
    } else if (k == "standard") {
      add_outputs(path, e, log::level::standard, outputs);
      outputs_given = true;
    } else if (k == "segment") {
      o.segment = parse_segment(path, e);
    } else if (k == "expire") {
      o.expire = parse_expire(path, e);
    } else if (k == "time_format") {
      std::string v = lower(e.value);
      if (v == "iso8601")
        o.format = log::time_format::iso8601;
      else if (v == "time")
        o.format = log::time_format::time;
      else if (v == "locale")
        o.format = log::time_format::locale;
      else
        invalid(path, e, "time, locale, ISO8601");
    } else if (k == "time_convert") {
      std::string v = lower(e.value);
      if (v == "utc")
        o.convert = log::time_convert::utc;
      else if (v == "local")
        o.convert = log::time_convert::local;
      else
        invalid(path, e, "local, utc");
    } else {
      std::string_view near;
      std::size_t best = 4;
      for (std::string_view name : log_option_names) {
        if (std::size_t d = edit_distance(k, name); d < best) {
          best = d;
          near = name;
        }
      }
      throw config_error(path, e.line,
                         fmt::format("unknown option '{}' in [log]{}; valid: {}", k,
                                     near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near),
                                     fmt::join(log_option_names, ", ")));
    }
  }
  if (outputs_given) o.outputs = std::move(outputs);
  return o;
}

}  // namespace sipproxy::config
