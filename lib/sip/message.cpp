#include "sip/message.hpp"

#include <algorithm>
#include <charconv>

namespace sipproxy::sip {

message::message(std::string raw) : raw_(std::move(raw)) {
  headers_.reserve(16);
}

std::shared_ptr<message> message::derive() const {
  auto copy = std::make_shared<message>(std::string());
  copy->parent_ = shared_from_this();
  copy->method_ = method_;
  copy->request_uri_ = request_uri_;
  copy->version_ = version_;
  copy->reason_ = reason_;
  copy->status_ = status_;
  copy->body_ = body_;
  copy->headers_ = headers_;
  return copy;
}

const header* message::first(header_id id) const {
  for (const auto& h : headers_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

header* message::first(header_id id) {
  for (auto& h : headers_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

std::size_t message::count(header_id id) const {
  return static_cast<std::size_t>(std::count_if(headers_.begin(), headers_.end(),
                                                [id](const header& h) { return h.id == id; }));
}

std::string_view message::value(header_id id) const {
  const header* h = first(id);
  return h ? h->value : std::string_view{};
}

std::string_view message::store(std::string_view text) {
  return arena_.emplace_front(text);
}

void message::insert_top(header_id id, std::string_view value) {
  auto pos =
      std::find_if(headers_.begin(), headers_.end(), [id](const header& h) { return h.id == id; });
  if (pos == headers_.end()) pos = headers_.begin();
  headers_.insert(pos, header{id, canonical_name(id), store(value)});
}

bool message::remove_first(header_id id) {
  auto pos =
      std::find_if(headers_.begin(), headers_.end(), [id](const header& h) { return h.id == id; });
  if (pos == headers_.end()) return false;
  headers_.erase(pos);
  return true;
}

void message::remove_all(header_id id) {
  std::erase_if(headers_, [id](const header& h) { return h.id == id; });
}

void message::set_request_line(std::string_view method, std::string_view uri,
                               std::string_view version) {
  method_ = method;
  request_uri_ = uri;
  version_ = version;
  status_ = 0;
}

void message::set_status_line(std::string_view version, int status, std::string_view reason) {
  version_ = version;
  status_ = status;
  reason_ = reason;
}

std::string message::serialize() const {
  std::size_t size = raw_.size() + 64;
  for (const auto& h : headers_) size += h.name.size() + h.value.size() + 4;
  std::string out;
  out.reserve(size);
  if (is_request()) {
    out.append(method_).append(" ").append(request_uri_).append(" SIP/2.0\r\n");
  } else {
    char code[8];
    auto [end, ec] = std::to_chars(code, code + sizeof code, status_);
    (void)ec;
    out.append("SIP/2.0 ").append(code, end).append(" ").append(reason_).append("\r\n");
  }
  for (const auto& h : headers_) {
    if (h.id == header_id::content_length) continue;
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  char len[24];
  auto [end, ec] = std::to_chars(len, len + sizeof len, body_.size());
  (void)ec;
  out.append("Content-Length: ").append(len, end).append("\r\n\r\n").append(body_);
  return out;
}

}  // namespace sipproxy::sip
