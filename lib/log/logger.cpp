#include "log/logger.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace sipproxy::log {

namespace {

std::atomic<level> g_level{level::standard};
std::mutex g_mutex;
std::FILE* g_out = nullptr;  // stderr unless set_file()

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count());
}

std::string_view tag(level l) {
  switch (l) {
    case level::standard:
      return "Std";
    case level::interaction:
      return "Int";
    case level::debug:
      return "Dbg";
    case level::none:
      break;
  }
  return "";
}

void emit(std::string_view line) {
  std::lock_guard lock(g_mutex);
  std::FILE* out = g_out ? g_out : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

}  // namespace

bool parse_level(std::string_view text, level& out) {
  if (text == "none")
    out = level::none;
  else if (text == "standard")
    out = level::standard;
  else if (text == "interaction" || text == "info")
    out = level::interaction;
  else if (text == "debug")
    out = level::debug;
  else
    return false;
  return true;
}

void set_level(level l) {
  g_level.store(l);
}
level current_level() {
  return g_level.load(std::memory_order_relaxed);
}

bool set_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return false;
  std::lock_guard lock(g_mutex);
  if (g_out) std::fclose(g_out);
  g_out = f;
  return true;
}

void write(level l, std::string_view text) {
  emit(fmt::format("{} {} {}\n", timestamp(), tag(l), text));
}

void write_event(event_id id, std::string_view text) {
  emit(fmt::format("{} Std {} {} {}\n", timestamp(), static_cast<int>(id), event_name(id), text));
}

}  // namespace sipproxy::log
