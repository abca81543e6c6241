#include "sip/cseq.hpp"

#include "sip/text.hpp"

namespace sipproxy::sip {

std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max) {
  text = trim(text);
  // 1*DIGIT: leading zeros are digits too ("007" is 7), however many there are.
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

std::optional<cseq> parse_cseq(std::string_view value) {
  value = trim(value);
  std::size_t sp = value.find_first_of(" \t");
  if (sp == std::string_view::npos) return std::nullopt;
  auto number = parse_uint(value.substr(0, sp), 0x7fffffffu);
  if (!number) return std::nullopt;
  std::string_view method = trim(value.substr(sp));
  if (method.empty() || !is_token(method)) return std::nullopt;
  return cseq{*number, method};
}

}  // namespace sipproxy::sip
