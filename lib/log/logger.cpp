#include "log/logger.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <vector>

#include "log/file_sink.hpp"

namespace sipproxy::log {

namespace {

// One output of the [log] section (or of --log-file): a stream or a rotating file, and the
// least important level it takes.
struct sink {
  level upto = level::debug;
  std::FILE* stream = nullptr;      // stdout / stderr
  std::unique_ptr<file_sink> file;  // or a file
};

std::atomic<level> g_level{level::standard};
std::mutex g_mutex;
std::vector<sink> g_sinks;  // empty: stderr
time_format g_format = time_format::iso8601;
time_convert g_convert = time_convert::utc;

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  bool utc = g_convert == time_convert::utc;
  if (utc)
    gmtime_r(&secs, &tm);
  else
    localtime_r(&secs, &tm);
  switch (g_format) {
    case time_format::time:
      return fmt::format("{:02}:{:02}:{:02}.{:03}", tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count());
    case time_format::locale: {
      char buf[128];
      std::size_t n = std::strftime(buf, sizeof buf, "%x %X", &tm);
      return fmt::format("{}.{:03}", std::string_view(buf, n), ms.count());
    }
    case time_format::iso8601:
      break;
  }
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}{}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count(),
                     utc ? "Z" : "");
}

std::string_view tag(level l) {
  switch (l) {
    case level::standard:
      return "Std";
    case level::interaction:
      return "Int";
    case level::trace:
      return "Trc";
    case level::debug:
      return "Dbg";
    case level::none:
      break;
  }
  return "";
}

void emit(level l, std::string_view line) {
  std::lock_guard lock(g_mutex);
  if (g_sinks.empty()) {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
    return;
  }
  for (auto& s : g_sinks) {
    if (static_cast<int>(l) > static_cast<int>(s.upto)) continue;
    if (s.file) {
      s.file->write(line);
    } else {
      std::fwrite(line.data(), 1, line.size(), s.stream);
      std::fflush(s.stream);
    }
  }
}

}  // namespace

bool parse_level(std::string_view text, level& out) {
  if (text == "none")
    out = level::none;
  else if (text == "standard")
    out = level::standard;
  else if (text == "interaction" || text == "info")
    out = level::interaction;
  else if (text == "trace")
    out = level::trace;
  else if (text == "debug" || text == "all")
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
  auto f = std::make_unique<file_sink>(path, log_segment{}, log_expire{});
  if (!f->ok()) return false;
  std::lock_guard lock(g_mutex);
  g_sinks.clear();
  g_sinks.push_back(sink{level::debug, nullptr, std::move(f)});
  return true;
}

std::string configure(const log_options& options) {
  std::vector<sink> sinks;
  for (const auto& o : options.outputs) {
    sink s;
    s.upto = o.upto;
    if (o.target == "stdout") {
      s.stream = stdout;
    } else if (o.target == "stderr") {
      s.stream = stderr;
    } else {
      s.file = std::make_unique<file_sink>(o.target, options.segment, options.expire);
      if (!s.file->ok()) return o.target;
    }
    sinks.push_back(std::move(s));
  }
  {
    std::lock_guard lock(g_mutex);
    g_sinks = std::move(sinks);
    g_format = options.format;
    g_convert = options.convert;
  }
  set_level(options.verbose);
  return {};
}

std::string apply(const std::optional<log_options>& section, const log_overrides& cli) {
  log_options o;
  if (section) {
    o = *section;
  } else {
    o.verbose = level::standard;
  }
  if (cli.verbose) o.verbose = *cli.verbose;
  if (!cli.file.empty()) o.outputs = {{cli.file, level::debug}};
  return configure(o);
}

void write(level l, std::string_view text) {
  emit(l, fmt::format("{} {} {}\n", timestamp(), tag(l), text));
}

void write_event(event_id id, std::string_view text) {
  emit(level::standard,
       fmt::format("{} Std {} {} {}\n", timestamp(), static_cast<int>(id), event_name(id), text));
}

}  // namespace sipproxy::log
