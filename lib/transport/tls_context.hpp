// The OpenSSL contexts of SIP over TLS (RFC 3261 §26.2.1): the server side that phones
// connect to, and the client side the proxy uses when it opens a TLS connection itself.
// Built from the deployment's tls-* options; a file that cannot be read, a key that does
// not match the certificate or an expired certificate is reported with the option it
// came from, so that the caller can name the file and line.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace sipproxy::transport {

struct tls_options {
  std::string certificate;  // PEM chain, leaf first
  std::string private_key;  // PEM
  std::string ca_file;      // PEM file or hashed directory; empty: the system's store
  std::string min_version = "1.2";
  std::string ciphers;  // OpenSSL cipher list for TLS 1.2 (1.3 suites are OpenSSL's)
};

struct tls_contexts {
  std::shared_ptr<boost::asio::ssl::context> server;
  std::shared_ptr<boost::asio::ssl::context> client;
  std::string serial;  // the certificate's serial number, hex (log lines)
  std::string not_after;
};

// What is wrong, and with which option ("tls-certificate", "tls-private-key", ...).
struct tls_problem {
  std::string option;
  std::string what;
};

// Builds both contexts; on failure `problem` says why and the result is empty.
tls_contexts make_tls_contexts(const tls_options& o, tls_problem& problem);

// Points a client-side connection's verification at the address it connects to (the
// certificate must name that IP in subjectAltName, RFC 5922 §7.1).
void expect_peer_address(SSL* ssl, const std::string& ip_text);

}  // namespace sipproxy::transport
