#include "probe/dns_command.hpp"

#include <ares.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "dns/ares_error.hpp"
#include "dns/resolver.hpp"
#include "dns/sip_resolver.hpp"
#include "probe/text_table.hpp"

namespace asio = boost::asio;

namespace sipproxy::probe {
namespace {

struct srv_entry {
  dns::srv_record record;
  dns::host_addresses addresses;
};

struct answer {
  std::string type;  // "A", "AAAA", "SRV"
  std::string name;
  std::error_code error;
  std::vector<dns::address_record> addresses;
  std::vector<srv_entry> srv;

  bool found() const { return !addresses.empty() || !srv.empty(); }
};

asio::awaitable<std::vector<answer>> ask(dns::resolver& r, const dns_args& a) {
  std::vector<answer> out;
  const bool srv_only_name = a.name.starts_with('_');
  if (!srv_only_name && (a.type == dns_query::a || a.type == dns_query::all)) {
    auto [ec, v] = co_await r.async_resolve_address(a.name, dns::record_type::a,
                                                    asio::as_tuple(asio::use_awaitable));
    out.push_back({"A", a.name, ec, std::move(v), {}});
  }
  if (!srv_only_name && (a.type == dns_query::aaaa || a.type == dns_query::all)) {
    auto [ec, v] = co_await r.async_resolve_address(a.name, dns::record_type::aaaa,
                                                    asio::as_tuple(asio::use_awaitable));
    out.push_back({"AAAA", a.name, ec, std::move(v), {}});
  }
  if (a.type == dns_query::srv || a.type == dns_query::all || srv_only_name) {
    std::vector<std::string> names;
    if (srv_only_name)
      names = {a.name};
    else
      names = {"_sip._udp." + a.name, "_sip._tcp." + a.name};
    for (const auto& name : names) {
      auto [ec, records] = co_await r.async_resolve_srv(name, asio::as_tuple(asio::use_awaitable));
      // Shown in a stable order (priority, then heavier first); order_srv() is for use.
      std::stable_sort(records.begin(), records.end(), [](const auto& x, const auto& y) {
        return x.priority != y.priority ? x.priority < y.priority : x.weight > y.weight;
      });
      answer ans{"SRV", name, ec, {}, {}};
      for (auto& rec : records) {
        srv_entry e{rec, {}};
        if (!rec.target.empty()) e.addresses = co_await dns::resolve_host(r, rec.target);
        ans.srv.push_back(std::move(e));
      }
      out.push_back(std::move(ans));
    }
  }
  co_return out;
}

std::string addresses_text(const dns::host_addresses& h) {
  if (h.error) return "(" + h.error.message() + ")";
  std::string text;
  for (const auto& a : h.addresses) {
    if (!text.empty()) text += ", ";
    text += a.address.to_string();
  }
  return text;
}

nlohmann::json addresses_json(const std::vector<dns::address_record>& v) {
  auto arr = nlohmann::json::array();
  for (const auto& a : v) arr.push_back({{"address", a.address.to_string()}, {"ttl", a.ttl}});
  return arr;
}

}  // namespace

int run_dns(const probe_args& args, std::ostream& out, std::ostream& err) {
  asio::io_context io;
  dns::resolver_options opts;
  opts.server = args.server;
  opts.timeout = args.timeout;
  dns::resolver resolver(io.get_executor(), opts);
  if (resolver.status()) {
    err << "sipprobe: dns: cannot start the resolver: " << resolver.status().message() << '\n';
    return 2;
  }
  std::vector<answer> answers;
  bool crashed = false;
  asio::co_spawn(io, ask(resolver, args.dns), [&](std::exception_ptr e, std::vector<answer> v) {
    crashed = e != nullptr;
    answers = std::move(v);
  });
  io.run();
  if (crashed) {
    err << "sipprobe: dns: internal error\n";
    return 2;
  }

  const std::string server =
      args.server ? args.server->address().to_string() + ":" + std::to_string(args.server->port())
                  : "system";
  bool found =
      std::any_of(answers.begin(), answers.end(), [](const answer& a) { return a.found(); });
  // A failure to ask (timeout, refused) rather than "no such record".
  std::error_code failure;
  for (const auto& a : answers)
    if (a.error && !dns::is_no_data(a.error)) failure = a.error;

  if (args.json) {
    nlohmann::json j;
    j["name"] = args.dns.name;
    j["server"] = server;
    j["found"] = found;
    auto queries = nlohmann::json::array();
    for (const auto& a : answers) {
      nlohmann::json q{{"type", a.type}, {"name", a.name}};
      q["error"] = a.error ? nlohmann::json(a.error.message()) : nlohmann::json(nullptr);
      if (a.type == "SRV") {
        auto recs = nlohmann::json::array();
        for (const auto& e : a.srv) {
          nlohmann::json rj{{"priority", e.record.priority},
                            {"weight", e.record.weight},
                            {"port", e.record.port},
                            {"target", e.record.target},
                            {"ttl", e.record.ttl},
                            {"addresses", addresses_json(e.addresses.addresses)}};
          if (e.addresses.error) rj["addresses_error"] = e.addresses.error.message();
          recs.push_back(std::move(rj));
        }
        q["records"] = std::move(recs);
      } else {
        q["records"] = addresses_json(a.addresses);
      }
      queries.push_back(std::move(q));
    }
    j["queries"] = std::move(queries);
    out << j.dump(2) << '\n';
  } else {
    text_table t({"NAME", "TYPE", "TTL", "DATA"});
    for (const auto& a : answers) {
      if (a.error) {
        t.add_row({a.name, a.type, "-", "(" + a.error.message() + ")"});
        continue;
      }
      for (const auto& rec : a.addresses)
        t.add_row({a.name, a.type, std::to_string(rec.ttl), rec.address.to_string()});
      for (const auto& e : a.srv) {
        std::string data = std::to_string(e.record.priority) + " " +
                           std::to_string(e.record.weight) + " " + std::to_string(e.record.port) +
                           " " + (e.record.target.empty() ? "." : e.record.target);
        if (!e.record.target.empty()) data += " -> " + addresses_text(e.addresses);
        t.add_row({a.name, a.type, std::to_string(e.record.ttl), data});
      }
    }
    t.print(out);
  }
  if (!found && failure) {
    err << "sipprobe: dns: " << args.dns.name << ": " << failure.message() << " (server " << server
        << ")\n";
  } else if (!found) {
    std::string why = "no record found";
    if (!answers.empty() && answers.front().error) why = answers.front().error.message();
    err << "sipprobe: dns: " << args.dns.name << ": " << why << '\n';
  }
  return found ? 0 : 1;
}

}  // namespace sipproxy::probe
