#include "proxy/response_context.hpp"

namespace sipproxy::proxy {

branch_state* response_context::branch_of(txn::txn_id client) {
  for (auto& b : branches) {
    if (b.client == client) return &b;
  }
  return nullptr;
}

void response_context::release_messages() {
  request.reset();
  retry.reset();
  registration.reset();
  for (auto& b : branches) b.response.reset();
}

bool response_context::all_final() const {
  for (const auto& b : branches) {
    if (b.final_status == 0) return false;
  }
  return true;
}

const branch_state* response_context::best() const {
  if (!all_final()) return nullptr;
  const branch_state* best = nullptr;
  for (const auto& b : branches) {
    if (b.final_status >= 600) return &b;
    if (!best || b.final_status / 100 < best->final_status / 100) best = &b;
  }
  return best;
}

}  // namespace sipproxy::proxy
