#include "sip/text.hpp"

namespace sipproxy::sip {

std::size_t find_unquoted(std::string_view s, char sep, std::size_t from) {
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = from; i < s.size(); ++i) {
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
