#include "config/test_timers.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace sipproxy::config {

namespace {

using std::chrono::milliseconds;

struct key {
  std::string_view name;
  milliseconds test_timers::*field;
};

constexpr std::array<key, 6> keys{{
    {"probe-deadline", &test_timers::probe_deadline},
    {"heartbeat", &test_timers::heartbeat},
    {"digest-check", &test_timers::digest_check},
    {"reconnect", &test_timers::reconnect},
    {"dns-refresh-floor", &test_timers::dns_refresh_floor},
    {"drain", &test_timers::drain},
}};

constexpr milliseconds shortest{10};
constexpr milliseconds longest{600000};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string key_names() {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

bool parse_duration(std::string_view v, milliseconds& out) {
  long long n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end == v.data() || n < 0) return false;
  std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
  if (n > longest.count()) return false;
  if (unit == "ms") {
    out = milliseconds(n);
  } else if (unit == "s") {
    out = milliseconds(n * 1000);
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool parse_test_timers(std::string_view text, test_timers& out, std::string& error) {
  test_timers t = out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      error = fmt::format("'{}': expected KEY=VALUE (keys: {})", item, key_names());
      return false;
    }
    std::string_view name = trim(item.substr(0, eq));
    std::string_view value = trim(item.substr(eq + 1));
    const key* k = nullptr;
    for (const auto& candidate : keys)
      if (candidate.name == name) k = &candidate;
    if (!k) {
      error = fmt::format("unknown timer '{}' (keys: {})", name, key_names());
      return false;
    }
    milliseconds d{};
    if (!parse_duration(value, d) || d < shortest || d > longest) {
      error = fmt::format("{} = '{}': valid values: 10ms to 600s (an integer followed by ms or s)",
                          name, value);
      return false;
    }
    t.*(k->field) = d;
  }
  out = t;
  return true;
}

std::string describe(const test_timers& t) {
  std::string out;
  for (const auto& k : keys)
    out += fmt::format("{}{}={}ms", out.empty() ? "" : ", ", k.name, (t.*(k.field)).count());
  return out;
}

}  // namespace sipproxy::config
