#include "txn/transaction_layer.hpp"

#include <fmt/format.h>

#include "log/logger.hpp"
#include "sip/name_addr.hpp"
#include "sip/parser.hpp"
#include "sip/request_builder.hpp"
#include "sip/response_builder.hpp"
#include "sip/via.hpp"
#include "transport/local_addresses.hpp"
#include "transport/sender.hpp"
#include "txn/client_invite_transaction.hpp"
#include "txn/client_non_invite_transaction.hpp"
#include "txn/server_invite_transaction.hpp"
#include "txn/server_non_invite_transaction.hpp"
#include "txn/transaction_key.hpp"

namespace sipproxy::txn {

namespace {

// What the To tag of a stateless answer of ours is derived from: the request's Call-ID,
// From tag and CSeq number (which its ACK repeats), and what kind of answer it was.
std::string tag_input(const sip::message& msg, std::string_view kind) {
  std::string_view cseq = msg.value(sip::header_id::cseq);
  cseq = cseq.substr(0, cseq.find_first_of(" \t"));
  std::string in(kind);
  for (std::string_view part :
       {msg.value(sip::header_id::call_id), sip::tag_of(msg.value(sip::header_id::from)), cseq}) {
    in += '\n';
    in += part;
  }
  return in;
}

template <typename T>
T* as(const std::unique_ptr<transaction>& t) {
  return dynamic_cast<T*>(t.get());
}

}  // namespace

transaction_layer::transaction_layer(transport::sender& sender, timer_queue& timers,
                                     timer_config timing)
    : sender_(sender), timers_(timers), timing_(timing) {}

transaction_layer::~transaction_layer() = default;

bool transaction_layer::transmit(const transport::peer& to, std::string_view bytes) {
  if (log::enabled(log::level::debug))
    log::debug("sent to {} ({} bytes):\n{}", to, bytes.size(), bytes);
  return sender_.send(to, bytes);
}

bool transaction_layer::send_stateless(const transport::peer& to, std::string_view bytes) {
  return transmit(to, bytes);
}

timer_queue::timer_id transaction_layer::arm(txn_id id, int kind, timer_queue::duration d) {
  return timers_.after(d, [this, id, kind] {
    auto it = all_.find(id);
    if (it == all_.end() || it->second->done()) return;  // a timer that finds nothing does nothing
    {
      event_scope scope(in_event_);
      it->second->on_timer(kind);
    }
    sweep();
  });
}

void transaction_layer::terminated(txn_id id) {
  dead_.push_back(id);
  // Transactions that end during a TU call are removed after it returns, never under it:
  // the TU hears on_server_gone from the layer's own events only.
  if (!in_event_ && !sweep_scheduled_) {
    sweep_scheduled_ = true;
    timers_.after(timer_queue::duration::zero(), [this] {
      sweep_scheduled_ = false;
      sweep();
    });
  }
}

void transaction_layer::sweep() {
  while (!dead_.empty()) {
    std::vector<txn_id> dead;
    dead.swap(dead_);
    for (txn_id id : dead) {
      auto it = all_.find(id);
      if (it == all_.end()) continue;
      std::unique_ptr<transaction> t = std::move(it->second);
      all_.erase(it);
      bool server = false;
      if (auto s = servers_.find(t->key()); s != servers_.end() && s->second == id) {
        servers_.erase(s);
        server = true;
      }
      if (auto c = clients_.find(t->key()); c != clients_.end() && c->second == id)
        clients_.erase(c);
      internal_.erase(id);
      owners_.erase(id);
      awaiting_final_.erase(id);
      if (server && tu_) tu_->on_server_gone(id);
    }
  }
  check_no_pending();
}

void transaction_layer::when_no_pending_server(std::function<void()> idle) {
  on_no_pending_ = std::move(idle);
  check_no_pending();
}

void transaction_layer::check_no_pending() {
  if (!on_no_pending_ || !awaiting_final_.empty() || no_pending_scheduled_) return;
  no_pending_scheduled_ = true;
  timers_.after(timer_queue::duration::zero(), [this] {
    no_pending_scheduled_ = false;
    // A request may have come in the meantime: then wait for its final response too.
    if (!on_no_pending_ || !awaiting_final_.empty()) return;
    auto idle = std::move(on_no_pending_);
    on_no_pending_ = nullptr;
    idle();
  });
}

transport::peer transaction_layer::response_target(const sip::message& request,
                                                   const transport::peer& from) {
  transport::peer to = from;
  const sip::header* top = request.first(sip::header_id::via);
  auto v = top ? sip::parse_via(top->value) : std::nullopt;
  std::uint16_t sent_by_port = v && v->port ? v->port : 5060;
  bool rport = v && v->param("rport").has_value();
  if (transport::is_stream(from.proto)) {
    // The connection it came on; if that is gone, a new one to received:sent-by port.
    to.port = rport ? from.port : sent_by_port;
    to.connection = from.connection;
    return to;
  }
  to.port = rport ? from.port : sent_by_port;
  to.connection = 0;
  return to;
}

void transaction_layer::reject(const sip::message& msg, const transport::peer& from, int status,
                               const std::string& reason) {
  ++counters_.rejected_malformed;
  log::interaction("{} from {} rejected: {} {}", msg.method(), from, status, reason);
  if (msg.method() == "ACK" || msg.count(sip::header_id::via) == 0) return;
  auto v = sip::parse_via(msg.first(sip::header_id::via)->value);
  if (!v) return;
  transmit(response_target(msg, from),
           sip::build_response(msg, status, reason, own_tag(msg, "reject")));
  // (The Via is echoed as received: a request this broken is not stamped.)
}

void transaction_layer::on_message(std::string bytes, const transport::peer& from) {
  ++counters_.received;
  {
    event_scope scope(in_event_);
    // The containment boundary: whatever one message makes throw (wire text a library
    // refuses, a bug) costs that message only, never the process.
    try {
      handle_message(std::move(bytes), from);
    } catch (const std::exception& e) {
      message_failed(from, e.what());
    } catch (...) {
      message_failed(from, "unknown exception");
    }
  }
  sweep();
}

void transaction_layer::message_failed(const transport::peer& from, std::string_view what) {
  ++counters_.failed_messages;
  if (auto held = failure_log_.allow())
    log::standard("a message from {} failed and was dropped: {} ({} more held back)", from, what,
                  *held);
}

void transaction_layer::handle_message(std::string bytes, const transport::peer& from) {
  if (log::enabled(log::level::debug))
    log::debug("received from {} ({} bytes):\n{}", from, bytes.size(), bytes);
  std::size_t size = bytes.size();
  auto parsed = sip::parse(std::move(bytes));
  if (!parsed.msg) {
    ++counters_.dropped_unparsable;
    log::interaction("dropped {} bytes from {}: not a SIP message", size, from);
    return;
  }
  if (parsed.error_status) {
    if (parsed.msg->is_request()) {
      reject(*parsed.msg, from, parsed.error_status, parsed.error_reason);
    } else {
      ++counters_.dropped_unparsable;
      log::interaction("dropped response from {}: {}", from, parsed.error_reason);
    }
    return;
  }
  if (parsed.msg->is_request()) {
    on_request(parsed.msg, from);
  } else {
    on_response(parsed.msg, from);
  }
}

void transaction_layer::on_request(const sip::message_ptr& msg, const transport::peer& from) {
  ++counters_.requests_in[method_slot(msg->method())];
  // RFC 3261 §18.2.1 and RFC 3581: record where the request really came from.
  sip::header* top = msg->first(sip::header_id::via);
  auto v = sip::parse_via(top->value);
  if (!v) {
    reject(*msg, from, 400, "Malformed Via header");
    return;
  }
  std::string stamped =
      sip::stamp_received(top->value, *v, transport::ip_text(from.address), from.port);
  if (stamped != top->value) msg->set_value(*top, stamped);

  auto key = server_key(*msg);
  if (!key) {
    reject(*msg, from, 400, "Malformed Via or CSeq header");
    return;
  }
  std::string_view method = msg->method();
  if (auto it = servers_.find(*key); it != servers_.end()) {
    auto& t = all_.at(it->second);
    if (method == "ACK") {
      if (auto* s = as<server_invite_transaction>(t); s && s->on_ack()) return;
      tu_->on_ack(msg, from);
      return;
    }
    ++counters_.retransmissions_absorbed;
    if (auto* s = as<server_invite_transaction>(t)) s->on_retransmission();
    if (auto* s = as<server_non_invite_transaction>(t)) s->on_retransmission();
    return;
  }
  if (method == "ACK") {
    // The ACK for a stateless answer of ours (503 of refuse_busy(), 400/505 of reject())
    // ends there: the proxy was the UAS (RFC 3261 §17.2.1), there is nothing to forward.
    auto tag = sip::tag_of(msg->value(sip::header_id::to));
    if (tag.size() == 18 && (tag == own_tag(*msg, "busy") || tag == own_tag(*msg, "reject"))) {
      ++counters_.own_acks_absorbed;
      return;
    }
    tu_->on_ack(msg, from);
    return;
  }
  if (refuse_busy(*msg, from)) return;
  transport::peer target = response_target(*msg, from);
  txn_id id = next_id_++;
  if (method == "INVITE") {
    all_.emplace(id, std::make_unique<server_invite_transaction>(host(), id, *key, msg, target));
  } else {
    all_.emplace(id,
                 std::make_unique<server_non_invite_transaction>(host(), id, *key, msg, target));
  }
  servers_.emplace(*key, id);
  awaiting_final_.insert(id);
  if (method == "CANCEL") {
    txn_id invite = 0;
    if (auto ikey = server_key(*msg, "INVITE")) {
      if (auto it = servers_.find(*ikey); it != servers_.end()) invite = it->second;
    }
    tu_->on_cancel(id, msg, invite);
    return;
  }
  tu_->on_request(id, msg, from);
}

std::string transaction_layer::own_tag(const sip::message& msg, std::string_view kind) const {
  return fmt::format("sp{:016x}", tag_key_.keyed(tag_input(msg, kind)));
}

bool transaction_layer::refuse_busy(const sip::message& msg, const transport::peer& from) {
  if (max_in_flight_ == 0) return false;
  bool may_use_reserve =
      msg.method() == "CANCEL" || !sip::tag_of(msg.value(sip::header_id::to)).empty();
  std::size_t limit = may_use_reserve ? 2 * max_in_flight_ : max_in_flight_;
  if (awaiting_final_.size() < limit) return false;
  ++counters_.rejected_busy;
  if (busy_log_.allow())  // once a second at most: a flood must not flood the log too
    log::standard("{} refused with 503: {} transactions in flight (max-transactions = {})",
                  msg.method(), awaiting_final_.size(), max_in_flight_);
  ++counters_.responses_out[5];
  transmit(response_target(msg, from),
           sip::build_response(msg, 503, "Service Unavailable (too many transactions in flight)",
                               own_tag(msg, "busy"), "Retry-After: 5\r\n"));
  return true;
}

void transaction_layer::on_response(const sip::message_ptr& msg, const transport::peer& from) {
  auto key = client_key(*msg);
  auto it = key ? clients_.find(*key) : clients_.end();
  if (it == clients_.end()) {
    ++counters_.stray_responses;
    tu_->on_stray_response(msg);
    return;
  }
  txn_id id = it->second;
  auto& t = all_.at(id);
  // A response counts only from where its request went: the same address and port over
  // UDP, the same connection over TCP. Anyone else who learnt the branch (or guessed it)
  // must not end a call, take a SIP Server out of service or create a binding.
  const transport::peer& to = t->peer();
  bool from_self = from.proto == transport::protocol::udp && own_port_ != 0 &&
                   from.port == own_port_ && transport::is_local_address(from.address);
  if ((from.proto != to.proto || from.address != to.address || from.port != to.port) &&
      !from_self) {
    ++counters_.foreign_responses;
    if (auto held = foreign_log_.allow())
      log::standard("dropped a {} response from {}: its request went to {} ({} more held back)",
                    msg->status(), from, to, *held);
    return;
  }
  bool deliver = false;
  if (auto* c = as<client_invite_transaction>(t)) deliver = c->on_response(msg);
  if (auto* c = as<client_non_invite_transaction>(t)) deliver = c->on_response(msg);
  if (!deliver) return;
  if (client_user* owner = owner_of(id)) owner->on_response(id, msg);
}

void transaction_layer::on_send_failed(const transport::peer& to) {
  {
    event_scope scope(in_event_);
    fail_clients_to(to);
  }
  sweep();
}

void transaction_layer::fail_clients_to(const transport::peer& to) {
  for (auto& [id, t] : all_) {
    if (t->done() || t->peer().proto != to.proto || t->peer().address != to.address ||
        t->peer().port != to.port)
      continue;
    if (auto* c = as<client_invite_transaction>(t)) c->on_transport_error();
    if (auto* c = as<client_non_invite_transaction>(t)) c->on_transport_error();
  }
}

std::size_t method_slot(std::string_view method) {
  for (std::size_t i = 0; i + 1 < counted_method_count; ++i) {
    if (counted_methods[i] == method) return i;
  }
  return counted_method_count - 1;
}

void transaction_layer::respond(txn_id server, int status, std::string bytes) {
  if (status >= 100 && status < 700) ++counters_.responses_out[status / 100];
  if (status >= 200) awaiting_final_.erase(server);
  if (auto it = all_.find(server); it != all_.end()) {
    if (auto* s = as<server_invite_transaction>(it->second)) s->respond(status, std::move(bytes));
    if (auto* s = as<server_non_invite_transaction>(it->second))
      s->respond(status, std::move(bytes));
  }
  if (status >= 200) check_no_pending();
}

client_user* transaction_layer::owner_of(txn_id id) {
  if (internal_.count(id)) return nullptr;
  if (auto it = owners_.find(id); it != owners_.end()) return it->second;
  return tu_;
}

void transaction_layer::client_failed(txn_id id, int status) {
  if (client_user* owner = owner_of(id)) owner->on_client_failed(id, status);
}

void transaction_layer::abandon(txn_id client) {
  auto it = all_.find(client);
  if (it == all_.end() || it->second->done()) return;
  it->second->abandon();
}

txn_id transaction_layer::create_request(const sip::message_ptr& request, const transport::peer& to,
                                         client_user* owner) {
  auto key = client_key(*request);
  if (!key || clients_.count(*key)) return 0;
  txn_id id = next_id_++;
  if (request->method() == "INVITE") {
    all_.emplace(id, std::make_unique<client_invite_transaction>(host(), id, *key, request, to));
  } else {
    all_.emplace(id,
                 std::make_unique<client_non_invite_transaction>(host(), id, *key, request, to));
  }
  clients_.emplace(*key, id);
  if (owner) owners_.emplace(id, owner);
  return id;
}

void transaction_layer::start(txn_id client) {
  auto it = all_.find(client);
  if (it == all_.end()) return;
  if (auto* c = as<client_invite_transaction>(it->second)) c->start();
  if (auto* c = as<client_non_invite_transaction>(it->second)) c->start();
}

void transaction_layer::cancel(txn_id client) {
  auto it = all_.find(client);
  if (it == all_.end()) return;
  if (auto* c = as<client_invite_transaction>(it->second)) c->cancel();
}

void transaction_layer::send_cancel(txn_id client) {
  auto it = all_.find(client);
  if (it == all_.end() || !it->second->request()) return;  // final received: nothing to cancel
  auto cancel = sip::parse(sip::build_cancel(*it->second->request())).msg;
  if (!cancel) return;
  auto key = client_key(*cancel);
  if (!key) return;
  txn_id id = create_request(cancel, it->second->peer());
  if (id == 0) return;
  internal_.insert(id);
  if (auto* c = as<client_non_invite_transaction>(all_.at(id))) c->start();
}

bool transaction_layer::server_final_sent(txn_id server) const {
  auto it = all_.find(server);
  if (it == all_.end()) return true;
  if (auto* s = dynamic_cast<server_invite_transaction*>(it->second.get())) return s->final_sent();
  if (auto* s = dynamic_cast<server_non_invite_transaction*>(it->second.get()))
    return s->final_sent();
  return true;
}

}  // namespace sipproxy::txn
