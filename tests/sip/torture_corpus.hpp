// Reading the torture corpus (tests/torture/) as the tests that use it do: a file's bytes
// as they are, and the placeholders the integration test fills with real addresses filled
// with fixed ones (tests/fuzz/run.sh fills them the same way for the fuzz seeds).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace sipproxy::sip {

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string fill_placeholders(std::string text) {
  const std::pair<std::string, std::string> values[] = {
      {"${TRANSPORT}", "UDP"}, {"${CLIENT}", "192.0.2.10:5070"}, {"${UNIQ}", "u1"}};
  for (const auto& [key, value] : values) {
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at))
      text.replace(at, key.size(), value);
  }
  return text;
}

}  // namespace sipproxy::sip
