#include "sip/name_addr.hpp"

#include "sip/text.hpp"
#include "sip/uri.hpp"

namespace sipproxy::sip {

std::optional<name_addr> parse_name_addr(std::string_view value) {
  value = trim(value);
  name_addr out;
  // The first '<' outside a quoted display name opens the URI.
  std::size_t lt = std::string_view::npos;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (quoted && value[i] == '\\') {
      ++i;
    } else if (value[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && value[i] == '<') {
      lt = i;
      break;
    }
  }
  if (quoted) return std::nullopt;  // an unterminated quoted display name
  if (lt != std::string_view::npos) {
    std::size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) return std::nullopt;
    out.display = trim(value.substr(0, lt));
    out.uri = trim(value.substr(lt + 1, gt - lt - 1));
    out.params = trim(value.substr(gt + 1));
  } else {
    // addr-spec: parameters after the URI belong to the header, not the URI.
    std::size_t semi = value.find(';');
    out.uri = trim(value.substr(0, semi));
    if (semi != std::string_view::npos) out.params = value.substr(semi);
  }
  if (out.uri.empty()) return std::nullopt;
  return out;
}

std::string_view tag_of(std::string_view value) {
  auto na = parse_name_addr(value);
  if (!na) return {};
  auto tag = find_param(na->params, "tag");
  return tag ? *tag : std::string_view{};
}

}  // namespace sipproxy::sip
