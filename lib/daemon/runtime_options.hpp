// The options that take effect immediately, applied to a running instance (after a SIGHUP
// reload or a management `set`), and the configured host names followed by TTL: the SIP
// Server members and feature servers given by name.
#pragma once

#include <cstdint>
#include <string>

namespace sipproxy::daemon {

struct instance;

class runtime_options {
 public:
  explicit runtime_options(instance& parts) : m_(parts) {}

  // settings.values changed: derive the typed settings again and apply what takes effect
  // immediately (overload rate, max-transactions, load balancing, probing, the feature
  // servers when their list changed, the TLS files when they changed).
  void apply();
  // feature-server-address, resolved, probed, and its host names followed.
  void use_feature_servers();
  // SIP Server members and feature servers given by host name follow their DNS records
  // (resolved once, blocking, before serving; then by TTL through the resolver). Only
  // with a configured dns-server: names of the system resolver may come from /etc/hosts,
  // which c-ares queries do not read.
  void watch_host_names();
  // The running TLS contexts were built from the current tls-* values.
  void note_tls_loaded() { tls_loaded_ = tls_values(); }
  // The next apply() reads the certificate and key files again, even when their names did
  // not change (a renewed certificate is written over the old one).
  void reread_tls() { tls_loaded_.clear(); }

 private:
  void watch_feature_server_names();
  // New TLS handshakes use the files (open connections keep theirs); when they are bad,
  // the running certificate stays.
  void use_tls();
  std::string tls_values() const;

  instance& m_;
  std::string tls_loaded_;  // the tls-* values the running TLS contexts were built from
  std::string resolved_feature_server_;
  std::uint64_t feature_server_generation_ = 0;
};

}  // namespace sipproxy::daemon
