// Every metric of the instance, declared once: its name, type, help text, labels and how
// to read it. /metrics (Prometheus text, version 0.0.4) and the status document's
// "counters" (sipproxyctl status, GET /status, the status page) are both rendered from the
// table, so they cannot drift apart: every counter without labels is in both, under its
// metric name and its JSON key, with the same value; a labelled counter family (by method,
// by status class, by peer) is in /metrics only, but where some of its series have a JSON
// key (the registrations by confirmation) those are in both.
//
// A family may not apply to this instance (the Redis ones with peer links, the peer ones
// with Redis): its reader says so and /metrics leaves it out, HELP and TYPE included.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/shared_state.hpp"
#include "health/health_prober.hpp"
#include "mgmt/protocol.hpp"
#include "proxy/overload_control.hpp"
#include "proxy/proxy_core.hpp"
#include "registrar/binding_store.hpp"
#include "routing/server_table.hpp"
#include "routing/session_table.hpp"
#include "txn/transaction_layer.hpp"

namespace sipproxy::proxy {

// What the readers read: the live objects of one instance.
struct metric_source {
  const txn::transaction_layer& layer;
  const proxy_core& core;
  const overload_control& overload;
  const registrar::binding_store& bindings;
  const routing::session_table& sessions;
  const routing::server_table& servers;
  const health::health_prober& prober;
  const cluster::shared_state& shared;
};

enum class metric_type { counter, gauge, histogram };
std::string_view type_name(metric_type t);

// One series of a family.
struct metric_sample {
  std::string_view suffix = {};  // a histogram's "_bucket", "_sum" or "_count"; else empty
  std::string labels = {};       // as exposed, without the braces: `pair="ss1",role="primary"`
  std::variant<std::uint64_t, double> value = std::uint64_t{0};
  int decimals = -1;               // a double's digits after the point; -1: the shortest exact
  std::string_view json_key = {};  // its key in the status document's "counters"; empty: none
};

// `name="value"`, the value escaped as the exposition format wants (\\, \", \n).
std::string label(std::string_view name, std::string_view value);

struct metric_family {
  std::string_view name;
  metric_type type;
  std::string_view help;
  std::string_view labels;    // the label names, comma-separated ("" for none; "le" implied)
  std::string_view json_key;  // an unlabelled counter's key in the status "counters"
  // How to read it: an unlabelled family reads one value...
  std::uint64_t (*value)(const metric_source&) = nullptr;
  // ...any other appends its series, or returns false when it does not apply here.
  bool (*read)(const metric_source&, std::vector<metric_sample>&) = nullptr;
  // Some series `read` appends carry a json_key (they go in the status "counters" too).
  bool keyed_series = false;
};

// The table, in the order /metrics lists it.
std::span<const metric_family> metric_families();

// The series of `f` now; false when it does not apply to this instance.
bool read_family(const metric_family& f, const metric_source& s, std::vector<metric_sample>& out);

std::string prometheus_text(const metric_source& s);
// The status document's "counters": every series of the table that has a JSON key.
mgmt::json counters_json(const metric_source& s);

}  // namespace sipproxy::proxy
