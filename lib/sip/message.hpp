// A parsed SIP message (RFC 3261 §7). It owns the received bytes; header names and values
// are views into them, or into the message's own arena for values the proxy rewrote. The
// proxy edits the header list in place and serialize() writes the result, so forwarding
// never re-parses and never formats a header it did not change.
#pragma once

#include <cstdint>
#include <forward_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_id.hpp"

namespace sipproxy::sip {

struct header {
  header_id id;
  std::string_view name;   // as received (compact or full)
  std::string_view value;  // trimmed, unfolded; one entry of a split list
};

class message : public std::enable_shared_from_this<message> {
 public:
  explicit message(std::string raw);
  message(const message&) = delete;
  message& operator=(const message&) = delete;

  const std::string& raw() const { return raw_; }

  // A copy to edit and forward: same start line and headers, its own arena; it keeps
  // this message alive, since its views point into it. (The message must be owned by a
  // shared_ptr.)
  std::shared_ptr<message> derive() const;

  bool is_request() const { return status_ == 0; }
  bool is_response() const { return status_ != 0; }
  std::string_view method() const { return method_; }
  std::string_view request_uri() const { return request_uri_; }
  int status() const { return status_; }
  std::string_view reason() const { return reason_; }
  std::string_view body() const { return body_; }

  std::vector<header>& headers() { return headers_; }
  const std::vector<header>& headers() const { return headers_; }

  const header* first(header_id id) const;
  header* first(header_id id);
  std::size_t count(header_id id) const;
  // The value of the first header of that kind, or empty.
  std::string_view value(header_id id) const;

  // Copies text into the message's arena; the view lives as long as the message.
  std::string_view store(std::string_view text);

  void set_request_uri(std::string_view uri) { request_uri_ = store(uri); }
  // Inserts a header before the first of the same kind, or at the top if none.
  void insert_top(header_id id, std::string_view value);
  // Removes the first header of that kind; false when none.
  bool remove_first(header_id id);
  void remove_all(header_id id);
  void set_value(header& h, std::string_view value) { h.value = store(value); }

  // The message as it goes on the wire: start line, headers in order, a Content-Length
  // that matches the body (written last), the body.
  std::string serialize() const;

  // Set by the parser: fields of the start line, the body.
  void set_request_line(std::string_view method, std::string_view uri, std::string_view version);
  void set_status_line(std::string_view version, int status, std::string_view reason);
  void set_body(std::string_view body) { body_ = body; }
  std::string_view version() const { return version_; }

 private:
  std::string raw_;
  std::shared_ptr<const message> parent_;  // set by derive(): owner of the viewed bytes
  // Values set by edits: nodes never move, so views into them stay valid; an empty list
  // allocates nothing (a deque allocates twice when constructed, for every message).
  std::forward_list<std::string> arena_;
  std::string_view method_;
  std::string_view request_uri_;
  std::string_view version_;
  std::string_view reason_;
  int status_ = 0;
  std::string_view body_;
  std::vector<header> headers_;
};

using message_ptr = std::shared_ptr<message>;

}  // namespace sipproxy::sip
