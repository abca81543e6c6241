// libFuzzer target: the deployment-file loader. Any text is either a configuration or a
// config_error (40003 with file, line and reason); never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto s = sipproxy::config::load_deployment_text(text, "fuzz.conf", "SIPProxy_1");
    sipproxy::config::derive_typed(s);
  } catch (const sipproxy::config::config_error&) {
  }
  return 0;
}
