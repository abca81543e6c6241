#include "config/shared_storage.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <stdexcept>

namespace sipproxy::config {

namespace {

constexpr std::string_view scheme = "redis://";

template <typename T>
bool to_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

std::string redis_target::describe() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}/{}", v6 ? "[" : "", host, v6 ? "]" : "", port, db);
}

std::optional<redis_target> parse_shared_storage(std::string_view text) {
  if (text == "peers") return std::nullopt;
  if (text.substr(0, scheme.size()) != scheme)
    throw std::invalid_argument(
        "neither 'peers' nor a redis:// URL (rediss:// and TLS are not "
        "supported by hiredis 0.14)");
  std::string_view rest = text.substr(scheme.size());
  redis_target t;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view auth = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auth.empty() || auth.front() != ':' || auth.size() == 1)
      throw std::invalid_argument("the password goes as redis://:PASSWORD@IP:PORT (no user name)");
    t.password = std::string(auth.substr(1));
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (!to_number(rest.substr(slash + 1), t.db) || t.db < 0)
      throw std::invalid_argument("the database after '/' must be a number from 0");
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) throw std::invalid_argument("no :PORT after the address");
  std::string_view host = rest.substr(0, colon);
  if (!to_number(rest.substr(colon + 1), t.port) || t.port == 0)
    throw std::invalid_argument("the port must be 1-65535");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(host), ec);
  if (ec) throw std::invalid_argument(fmt::format("'{}' is not an IP address", host));
  t.host = std::string(host);
  return t;
}

std::string masked_shared_storage(std::string_view text) {
  if (text.substr(0, scheme.size()) != scheme) return std::string(text);
  auto at = text.rfind('@');
  if (at == std::string_view::npos) return std::string(text);
  return fmt::format("{}:***{}", scheme, text.substr(at));
}

}  // namespace sipproxy::config
