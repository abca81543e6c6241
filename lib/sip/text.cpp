#include "sip/text.hpp"

#include <algorithm>

namespace sipproxy::sip {

std::size_t find_unquoted(std::string_view s, char sep, std::size_t from) {
  // Most values quote and bracket nothing: find the separator (memchr), and walk the
  // state machine only when a quote or a bracket comes before it.
  std::size_t hit = s.find(sep, from);
  std::string_view before = s.substr(std::min(from, s.size()), hit == s.npos ? s.npos : hit - from);
  if (before.find('"') == before.npos && before.find('<') == before.npos) return hit;
  std::size_t i = from;
  bool quoted = false;
  int angle = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\' && i + 1 < s.size()) {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>' && angle > 0) {
      --angle;
    } else if (c == sep && angle == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace sipproxy::sip
