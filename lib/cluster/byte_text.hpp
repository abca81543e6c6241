// Wire text (a Call-ID, an address-of-record, a contact) is bytes, not necessarily UTF-8,
// but JSON strings must be UTF-8 (nlohmann-json throws on dumping anything else). A
// field that is not UTF-8 travels with each byte as the code point of the same value
// (Latin-1 to UTF-8) and is marked so; the receiver maps it back, so every instance keeps
// the exact bytes and the same record key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sipproxy::cluster {

bool valid_utf8(std::string_view s);
// Each byte becomes the code point of its value.
std::string bytes_to_utf8(std::string_view bytes);
// The inverse; nullopt when `text` holds a code point above U+00FF or is not UTF-8.
std::optional<std::string> utf8_to_bytes(std::string_view text);

}  // namespace sipproxy::cluster
