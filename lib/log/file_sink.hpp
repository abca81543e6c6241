// A log file that rotates: lines are appended to PATH; when the segment is full (its size
// or its hours) PATH is renamed PATH.YYYYMMDD_HHMMSS_mmm (the time it was closed, UTC) and
// a new PATH is started; then closed segments beyond what `expire` keeps are deleted.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "log/log_options.hpp"

namespace sipproxy::log {

class file_sink {
 public:
  using clock = std::chrono::system_clock;

  // Opens (appends to) `path`; ok() says whether it could.
  file_sink(std::string path, log_segment segment, log_expire expire);
  ~file_sink();
  file_sink(const file_sink&) = delete;
  file_sink& operator=(const file_sink&) = delete;

  bool ok() const { return out_ != nullptr; }
  const std::string& path() const { return path_; }
  // Appends `line` (already ending in a newline), rotating first when the segment is full.
  void write(std::string_view line, clock::time_point now = clock::now());

 private:
  bool full(std::size_t next, clock::time_point now) const;
  void rotate(clock::time_point now);
  void expire_segments(clock::time_point now);

  std::string path_;
  log_segment segment_;
  log_expire expire_;
  std::FILE* out_ = nullptr;
  std::uint64_t size_ = 0;
  clock::time_point opened_;
};

}  // namespace sipproxy::log
