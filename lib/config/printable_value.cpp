#include "config/printable_value.hpp"

#include "config/option_table.hpp"
#include "config/shared_storage.hpp"

namespace sipproxy::config {

bool is_secret_option(std::string_view name) {
  for (std::string_view word : {"token", "secret", "password"})
    if (name.find(word) != std::string_view::npos) return true;
  if (const option_spec* spec = find_option(name)) return spec->kind == value_kind::key128;
  return false;
}

std::string printable_value(std::string_view name, std::string_view value) {
  if (is_secret_option(name)) return value.empty() ? "(not set)" : "(set)";
  if (name == "shared-storage") return masked_shared_storage(value);
  return std::string(value);
}

}  // namespace sipproxy::config
