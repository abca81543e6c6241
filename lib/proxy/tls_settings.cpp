#include "proxy/tls_settings.hpp"

#include <fmt/format.h>

namespace sipproxy::proxy {

std::optional<transport::tls_contexts> load_tls(const config::settings& s, std::string& error) {
  transport::tls_options o;
  o.certificate = s.tls_certificate;
  o.private_key = s.tls_private_key;
  o.ca_file = s.tls_ca_file;
  o.min_version = s.tls_min_version;
  o.ciphers = s.tls_ciphers;
  transport::tls_problem problem;
  transport::tls_contexts c = transport::make_tls_contexts(o, problem);
  if (c.server) return c;
  auto line = s.lines.find(problem.option);
  int at = line == s.lines.end() ? 0 : line->second;
  error = fmt::format("{}: option '{}': {}", at > 0 ? fmt::format("{}:{}", s.file, at) : s.file,
                      problem.option, problem.what);
  return std::nullopt;
}

}  // namespace sipproxy::proxy
