#include "dns/sip_resolver.hpp"

#include <ares.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "dns/ares_error.hpp"
#include "dns/srv_order.hpp"

namespace asio = boost::asio;

namespace sipproxy::dns {

asio::awaitable<host_addresses> resolve_host(resolver& r, std::string name) {
  host_addresses out;
  boost::system::error_code parse_ec;
  auto numeric = asio::ip::make_address(name, parse_ec);
  if (!parse_ec) {
    out.addresses.push_back({numeric, 0});
    co_return out;
  }
  auto [ec4, v4] =
      co_await r.async_resolve_address(name, record_type::a, asio::as_tuple(asio::use_awaitable));
  auto [ec6, v6] = co_await r.async_resolve_address(name, record_type::aaaa,
                                                    asio::as_tuple(asio::use_awaitable));
  out.addresses = std::move(v4);
  out.addresses.insert(out.addresses.end(), v6.begin(), v6.end());
  if (out.addresses.empty()) {
    // The more telling of the two: a failure to ask beats "no such record".
    out.error = !is_no_data(ec4) ? ec4 : !is_no_data(ec6) ? ec6 : ec4;
    if (!out.error) out.error = make_ares_error(ARES_ENODATA);
  }
  co_return out;
}

asio::awaitable<sip_resolution> resolve_sip_uri(resolver& r, std::string uri) {
  sip_resolution out;
  auto planned = plan_lookup(uri);
  if (!planned.error.empty()) {
    out.error = make_ares_error(ARES_EBADNAME);
    out.error_text = planned.error;
    co_return out;
  }
  out.plan = planned.plan;
  const lookup_plan& p = out.plan;

  if (p.what == lookup_plan::kind::numeric) {
    out.targets.push_back({asio::ip::make_address(p.host), p.port, p.transport, 0, "", false});
    co_return out;
  }

  if (p.what == lookup_plan::kind::srv) {
    for (const auto& q : p.srv) {
      auto [ec, records] =
          co_await r.async_resolve_srv(q.name, asio::as_tuple(asio::use_awaitable));
      if (ec && !is_no_data(ec)) {
        out.error = ec;
        out.error_text = "SRV " + q.name + ": " + ec.message();
        co_return out;
      }
      if (records.empty()) continue;
      out.srv_name = q.name;
      out.srv = order_srv(std::move(records));
      for (const auto& srv : out.srv) {
        auto host = co_await resolve_host(r, srv.target);
        auto t = targets_from_srv(srv, host.addresses, q.transport);
        out.targets.insert(out.targets.end(), t.begin(), t.end());
      }
      if (out.targets.empty()) {
        out.error = make_ares_error(ARES_ENODATA);
        out.error_text = "SRV " + q.name + ": no target has an address";
      }
      co_return out;
    }
    // No SRV record at all: the host's own addresses at the default port (§4.2).
  }

  auto host = co_await resolve_host(r, p.host);
  if (host.error) {
    out.error = host.error;
    out.error_text = "A/AAAA " + p.host + ": " + host.error.message();
    co_return out;
  }
  out.targets = targets_from_host(p, host.addresses);
  co_return out;
}

}  // namespace sipproxy::dns
