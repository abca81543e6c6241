// Reads the deployment file (INI) and resolves it for one application: every option
// checked against the option table, every reference (serving-sipserver, applications,
// sipproxy-applications) checked against the sections. Throws config_error naming the
// file, the line and the valid values.
#pragma once

#include <string>

#include "config/settings.hpp"

namespace sipproxy::config {

settings load_deployment(const std::string& path, const std::string& app);

// The same from text (tests); `path` only names it in errors.
settings load_deployment_text(const std::string& text, const std::string& path,
                              const std::string& app);

}  // namespace sipproxy::config
