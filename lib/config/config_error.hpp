// A configuration error: where (file, line), which option, and what is wrong. Startup
// fails with it before anything binds.
#pragma once

#include <stdexcept>
#include <string>

namespace sipproxy::config {

class config_error : public std::runtime_error {
 public:
  config_error(std::string file, int line, std::string what)
      : std::runtime_error(format(file, line, what)), file_(std::move(file)), line_(line) {}

  const std::string& file() const { return file_; }
  int line() const { return line_; }

 private:
  static std::string format(const std::string& file, int line, const std::string& what) {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + what : file + ": " + what;
  }
  std::string file_;
  int line_;
};

}  // namespace sipproxy::config
