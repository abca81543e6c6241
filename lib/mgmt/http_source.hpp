// What the HTTP interface shows. proxy::management implements it.
#pragma once

#include <string>

#include "mgmt/protocol.hpp"

namespace sipproxy::mgmt {

class http_source {
 public:
  virtual ~http_source() = default;
  virtual json status_document() const = 0;      // GET /status
  virtual std::string metrics_text() const = 0;  // GET /metrics (Prometheus text format)
  virtual bool serving() const = 0;              // GET /healthz: 200 or 503
};

}  // namespace sipproxy::mgmt
