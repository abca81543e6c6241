#include "probe/options_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "dns/resolver.hpp"
#include "dns/sip_resolver.hpp"
#include "probe/text_table.hpp"

namespace asio = boost::asio;

namespace sipproxy::probe {
namespace {

struct run_state {
  dns::sip_resolution resolution;
  std::vector<ping_result> results;
};

// host[:port] of the URI as written, for the Request-URI (parameters dropped).
std::string request_target(const std::string& uri) {
  std::string_view v = uri;
  v.remove_prefix(v.find(':') + 1);
  auto end = v.find_first_of(";?");
  return std::string(v.substr(0, end));
}

std::string ms_text(double ms) {
  return fmt::format("{:.3f} ms", ms);
}

double to_ms(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1000.0;
}

std::string target_text(const dns::sip_target& t) {
  std::string host = t.address.is_v6() ? "[" + t.address.to_string() + "]" : t.address.to_string();
  return host + ":" + std::to_string(t.port) + " " + std::string(dns::to_string(t.transport));
}

asio::awaitable<void> probe(dns::resolver& r, const probe_args& args, run_state& st,
                            std::ostream& out) {
  st.resolution = co_await dns::resolve_sip_uri(r, args.options.uri);
  if (st.resolution.targets.empty()) co_return;
  const auto& target = st.resolution.targets.front();
  auto ex = co_await asio::this_coro::executor;
  options_pinger pinger(ex);
  asio::steady_timer pause(ex);
  const std::string rt = request_target(args.options.uri);
  if (!args.json) out << "OPTIONS sip:" << rt << " to " << target_text(target) << '\n';
  for (int i = 0; i < args.options.count; ++i) {
    if (i > 0) {
      pause.expires_after(args.options.interval);
      co_await pause.async_wait(asio::use_awaitable);
    }
    auto result = co_await pinger.ping(target, rt, args.timeout);
    if (!args.json) {
      if (result.answered())
        out << fmt::format("seq={}  {} {}  rtt={}\n", i + 1, result.status, result.reason,
                           ms_text(to_ms(result.rtt)));
      else
        out << fmt::format("seq={}  no answer: {}\n", i + 1, result.error);
      out.flush();
    }
    st.results.push_back(std::move(result));
  }
}

}  // namespace

ping_summary summarize(const std::vector<ping_result>& results) {
  ping_summary s;
  s.sent = static_cast<int>(results.size());
  double total = 0;
  for (const auto& r : results) {
    if (!r.answered()) continue;
    ++s.answered;
    if (r.ok()) ++s.ok;
    double ms = to_ms(r.rtt);
    total += ms;
    s.min_ms = s.min_ms ? std::min(*s.min_ms, ms) : ms;
    s.max_ms = s.max_ms ? std::max(*s.max_ms, ms) : ms;
  }
  if (s.answered > 0) s.avg_ms = total / s.answered;
  if (s.sent > 0) s.loss_percent = 100.0 * (s.sent - s.answered) / s.sent;
  return s;
}

int run_options(const probe_args& args, std::ostream& out, std::ostream& err) {
  asio::io_context io;
  dns::resolver_options opts;
  opts.server = args.server;
  opts.timeout = args.timeout;
  dns::resolver resolver(io.get_executor(), opts);
  run_state st;
  bool crashed = false;
  std::string what;
  asio::co_spawn(io, probe(resolver, args, st, out), [&](std::exception_ptr e) {
    if (!e) return;
    crashed = true;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    }
  });
  io.run();
  if (crashed) {
    err << "sipprobe: options: " << what << '\n';
    return 2;
  }

  if (st.resolution.targets.empty()) {
    std::string why = st.resolution.error_text.empty() ? "no address" : st.resolution.error_text;
    if (args.json) {
      nlohmann::json j{{"uri", args.options.uri}, {"healthy", false}, {"error", why}};
      out << j.dump(2) << '\n';
    }
    err << "sipprobe: options: " << args.options.uri << ": cannot resolve: " << why << '\n';
    return 1;
  }
  const auto& target = st.resolution.targets.front();
  auto s = summarize(st.results);
  bool healthy = s.sent > 0 && s.ok == s.sent;

  if (args.json) {
    nlohmann::json j;
    j["uri"] = args.options.uri;
    j["target"] = {{"address", target.address.to_string()},
                   {"port", target.port},
                   {"transport", std::string(dns::to_string(target.transport))}};
    auto probes = nlohmann::json::array();
    for (std::size_t i = 0; i < st.results.size(); ++i) {
      const auto& r = st.results[i];
      nlohmann::json p{{"seq", i + 1}};
      if (r.answered()) {
        p["status"] = r.status;
        p["reason"] = r.reason;
        p["rtt_ms"] = to_ms(r.rtt);
      } else {
        p["status"] = nullptr;
        p["error"] = r.error;
      }
      probes.push_back(std::move(p));
    }
    j["probes"] = std::move(probes);
    auto opt = [](const std::optional<double>& v) {
      return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    j["summary"] = {
        {"sent", s.sent},
        {"answered", s.answered},
        {"ok", s.ok},
        {"loss_percent", s.loss_percent},
        {"rtt_ms", {{"min", opt(s.min_ms)}, {"avg", opt(s.avg_ms)}, {"max", opt(s.max_ms)}}}};
    j["healthy"] = healthy;
    out << j.dump(2) << '\n';
  } else {
    out << fmt::format("--- {}: {} sent, {} answered, {} 2xx, {:.0f}% loss", args.options.uri,
                       s.sent, s.answered, s.ok, s.loss_percent);
    if (s.avg_ms)
      out << fmt::format(", rtt min/avg/max = {:.3f}/{:.3f}/{:.3f} ms", *s.min_ms, *s.avg_ms,
                         *s.max_ms);
    out << '\n';
  }
  return healthy ? 0 : 1;
}

}  // namespace sipproxy::probe
