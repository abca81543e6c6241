#include "probe/check_command.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config_error.hpp"
#include "config/deployment_loader.hpp"
#include "dns/resolver.hpp"
#include "dns/sip_resolver.hpp"
#include "probe/deployment_checks.hpp"
#include "probe/options_pinger.hpp"
#include "probe/text_table.hpp"

namespace asio = boost::asio;

namespace sipproxy::probe {
namespace {

std::string bracket(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Resolves `host` and sends one OPTIONS to host:port.
asio::awaitable<ping_result> ping_host(dns::resolver& r, options_pinger& pinger,
                                       const std::string& host, std::uint16_t port, bool tcp,
                                       std::chrono::milliseconds timeout) {
  auto addresses = co_await dns::resolve_host(r, host);
  if (addresses.addresses.empty()) {
    ping_result failed;
    failed.error = "host " + host + " does not resolve: " + addresses.error.message();
    co_return failed;
  }
  dns::sip_target target{addresses.addresses.front().address,
                         port,
                         tcp ? dns::sip_transport::tcp : dns::sip_transport::udp,
                         0,
                         host,
                         false};
  co_return co_await pinger.ping(target, bracket(host) + ":" + std::to_string(port), timeout);
}

asio::awaitable<std::vector<check_line>> run_checks(dns::resolver& r, const config::settings& s,
                                                    std::chrono::milliseconds timeout) {
  std::vector<check_line> lines;
  options_pinger pinger(co_await asio::this_coro::executor);

  // The pool: sipproxy-applications, else every sip-proxy section.
  std::vector<instance> pool;
  for (const auto& p : s.proxies) {
    bool member = s.sipproxy_applications.empty();
    for (const auto& n : s.sipproxy_applications) member = member || n == p.name;
    if (!member) continue;
    instance i{p.name, p.host, p.sip_port, {}, {}};
    auto h = co_await dns::resolve_host(r, p.host);
    for (const auto& a : h.addresses) i.addresses.push_back(a.address);
    if (h.error) i.resolve_error = h.error.message();
    pool.push_back(std::move(i));
  }

  // contact-address: by A to the pool.
  if (s.contact_address.empty()) {
    lines.push_back({check_line::verdict::skip, "contact-address", "", "not set"});
  } else if (auto hp = split_host_port(s.contact_address); !hp) {
    lines.push_back(
        {check_line::verdict::fail, "contact-address", s.contact_address, "not host[:port]"});
  } else {
    boost::system::error_code numeric_ec;
    auto numeric = asio::ip::make_address(hp->host, numeric_ec);
    std::error_code ec;
    std::vector<dns::address_record> addresses;
    if (!numeric_ec) {
      addresses.push_back({numeric, 0});
    } else {
      auto [aec, v] = co_await r.async_resolve_address(hp->host, dns::record_type::a,
                                                       asio::as_tuple(asio::use_awaitable));
      ec = aec;
      addresses = std::move(v);
    }
    lines.push_back(evaluate_contact(hp->host, ec, addresses, pool));
  }

  // internal-domain: SRV _sip._udp lists every instance at its sip-port.
  if (s.internal_domain.empty()) {
    lines.push_back({check_line::verdict::skip, "internal-domain SRV", "", "not set"});
  } else {
    std::string name = "_sip._udp." + s.internal_domain;
    auto [ec, records] = co_await r.async_resolve_srv(name, asio::as_tuple(asio::use_awaitable));
    std::vector<srv_endpoint> endpoints;
    for (const auto& rec : records) {
      if (rec.target.empty()) continue;
      auto h = co_await dns::resolve_host(r, rec.target);
      for (const auto& a : h.addresses) endpoints.push_back({rec.target, a.address, rec.port});
    }
    lines.push_back(evaluate_srv(name, ec, endpoints, pool));
  }

  // Every SIP Server member answers OPTIONS; each pair has an active member.
  for (const auto& server : s.servers) {
    std::vector<std::pair<std::string, config::server_address>> members{
        {"primary", server.primary}};
    if (server.backup) members.emplace_back("backup", *server.backup);
    std::vector<std::string> active;
    for (const auto& [role, member] : members) {
      auto result = co_await ping_host(r, pinger, member.host, member.port, member.tcp, timeout);
      std::string target = bracket(member.host) + ":" + std::to_string(member.port) +
                           (member.tcp ? ";transport=tcp" : "");
      lines.push_back(
          evaluate_ping("SIP Server " + server.name + " " + role, target, result, true));
      if (result.ok()) active.push_back(role);
    }
    if (active.empty())
      lines.push_back({check_line::verdict::fail, "SIP Server " + server.name, "",
                       "no member is active (none answered 2xx)"});
    else
      lines.push_back({check_line::verdict::ok, "SIP Server " + server.name, "",
                       "active: " + fmt::format("{}", fmt::join(active, ", "))});
  }

  // The feature servers (one host:port, or a list).
  if (s.feature_servers.empty())
    lines.push_back({check_line::verdict::skip, "feature server", "", "not set"});
  for (const auto& entry : s.feature_servers) {
    const std::string& fs = entry.address;
    // One line each: "feature server", or with several "feature server HOST:PORT".
    std::string what = s.feature_servers.size() > 1 ? "feature server " + fs : "feature server";
    if (auto hp = split_host_port(fs); !hp) {
      lines.push_back({check_line::verdict::fail, what, fs, "not host[:port]"});
    } else {
      auto result =
          co_await ping_host(r, pinger, hp->host, hp->port.value_or(5060), false, timeout);
      lines.push_back(evaluate_ping(what, fs, result, false));
    }
  }

  // Each proxy instance answers.
  for (const auto& i : pool) {
    auto result = co_await ping_host(r, pinger, i.host, i.sip_port, false, timeout);
    lines.push_back(evaluate_ping(
        "proxy " + i.name, bracket(i.host) + ":" + std::to_string(i.sip_port), result, false));
  }
  co_return lines;
}

}  // namespace

int run_check(const probe_args& args, std::ostream& out, std::ostream& err) {
  const std::string& path = args.check.config;
  std::ifstream in(path);
  if (!in) {
    err << "sipprobe: check: cannot read " << path << '\n';
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string app = args.check.app.empty() ? deployment_app_name(text.str()) : args.check.app;
  if (app.empty()) {
    err << "sipprobe: check: " << path
        << ": no sip-proxy application (sipproxy-applications or a type = sip-proxy section)\n";
    return 2;
  }
  config::settings settings;
  try {
    settings = config::load_deployment_text(text.str(), path, app);
  } catch (const std::exception& e) {
    err << "sipprobe: check: " << e.what() << '\n';
    return 2;
  }

  asio::io_context io;
  dns::resolver_options opts;
  opts.server = args.server;
  opts.timeout = args.timeout;
  dns::resolver resolver(io.get_executor(), opts);
  if (resolver.status()) {
    err << "sipprobe: check: cannot start the resolver: " << resolver.status().message() << '\n';
    return 2;
  }
  std::vector<check_line> lines;
  std::string crash;
  asio::co_spawn(io, run_checks(resolver, settings, args.timeout),
                 [&](std::exception_ptr e, std::vector<check_line> v) {
                   lines = std::move(v);
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     crash = ex.what();
                   }
                 });
  io.run();
  if (!crash.empty()) {
    err << "sipprobe: check: " << crash << '\n';
    return 2;
  }

  int failed = 0;
  for (const auto& l : lines) failed += l.result == check_line::verdict::fail;
  if (args.json) {
    nlohmann::json j;
    j["config"] = path;
    j["app"] = app;
    auto arr = nlohmann::json::array();
    for (const auto& l : lines)
      arr.push_back({{"check", l.check},
                     {"target", l.target},
                     {"result", std::string(to_string(l.result))},
                     {"detail", l.detail}});
    j["checks"] = std::move(arr);
    j["failed"] = failed;
    j["healthy"] = failed == 0;
    out << j.dump(2) << '\n';
  } else {
    out << "deployment " << path << " (as " << app << ")\n";
    text_table t({"RESULT", "CHECK", "TARGET", "DETAIL"});
    for (const auto& l : lines)
      t.add_row(
          {std::string(to_string(l.result)), l.check, l.target.empty() ? "-" : l.target, l.detail});
    t.print(out);
    if (failed == 0)
      out << "all checks passed\n";
    else
      out << failed << (failed == 1 ? " check failed\n" : " checks failed\n");
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace sipproxy::probe
