// Reads the deployment file (INI) and resolves it for one application: every option
// checked against the option table, every reference (serving-sipserver, applications,
// sipproxy-applications) checked against the sections. Throws config_error naming the
// file, the line and the valid values.
#pragma once

#include <string>

#include "config/settings.hpp"

namespace sipproxy::config {

settings load_deployment(const std::string& path, const std::string& app);

// Sets the typed fields of `s` (role, oos_check, ...) from its `values` map: after a
// runtime change of an option's value.
void derive_typed(settings& s);

// The same from text (tests); `path` only names it in errors.
settings load_deployment_text(const std::string& text, const std::string& path,
                              const std::string& app);

}  // namespace sipproxy::config
