#include "log/file_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

namespace sipproxy::log {

namespace fs = std::filesystem;

file_sink::file_sink(std::string path, log_segment segment, log_expire expire)
    : path_(std::move(path)), segment_(segment), expire_(expire) {
  out_ = std::fopen(path_.c_str(), "a");
  if (!out_) return;
  std::error_code ec;
  size_ = fs::file_size(path_, ec);
  if (ec) size_ = 0;
  opened_ = clock::now();
}

file_sink::~file_sink() {
  if (out_) std::fclose(out_);
}

bool file_sink::full(std::size_t next, clock::time_point now) const {
  switch (segment_.by) {
    case log_segment::kind::none:
      return false;
    case log_segment::kind::bytes:
      return size_ > 0 && size_ + next > segment_.amount;
    case log_segment::kind::hours:
      return now - opened_ >= std::chrono::hours(segment_.amount);
  }
  return false;
}

void file_sink::write(std::string_view line, clock::time_point now) {
  if (!out_) return;
  if (full(line.size(), now)) rotate(now);
  if (!out_) return;
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
  size_ += line.size();
}

void file_sink::rotate(clock::time_point now) {
  std::fclose(out_);
  out_ = nullptr;
  auto secs = clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string stamp =
      fmt::format("{:04}{:02}{:02}_{:02}{:02}{:02}_{:03}", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms.count()));
  // Two rotations within one millisecond: the later segment gets a suffix, so none is lost
  // and the names still sort by age.
  std::string closed = path_ + "." + stamp;
  std::error_code ec;
  for (int n = 1; fs::exists(closed, ec) && n < 1000; ++n)
    closed = fmt::format("{}.{}_{:03}", path_, stamp, n);
  fs::rename(path_, closed, ec);
  out_ = std::fopen(path_.c_str(), "a");
  size_ = 0;
  opened_ = now;
  expire_segments(now);
}

void file_sink::expire_segments(clock::time_point now) {
  if (expire_.by == log_expire::kind::none) return;
  fs::path p(path_);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string prefix = p.filename().string() + ".";
  std::vector<fs::path> segments;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    // PATH.YYYYMMDD_HHMMSS_mmm[_nnn]: digits and underscores after the prefix.
    if (name.size() < prefix.size() + 19 || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view rest = std::string_view(name).substr(prefix.size());
    if (!std::all_of(rest.begin(), rest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '_'; }))
      continue;
    segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());  // oldest first: the names are timestamps
  if (expire_.by == log_expire::kind::segments) {
    std::size_t keep = expire_.amount;
    for (std::size_t i = 0; i + keep < segments.size(); ++i) fs::remove(segments[i], ec);
    return;
  }
  auto limit = fs::file_time_type::clock::now() - std::chrono::hours(24) * expire_.amount;
  (void)now;
  for (const auto& s : segments) {
    auto t = fs::last_write_time(s, ec);
    if (!ec && t < limit) fs::remove(s, ec);
  }
}

}  // namespace sipproxy::log
