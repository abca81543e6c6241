#include "transport/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace sipproxy::transport {

namespace asio = boost::asio;

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Empty when `path` is a readable file (or, with `directory_ok`, a directory).
std::string unreadable(const std::string& path, bool directory_ok) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("'{}' does not exist", path);
  if (S_ISDIR(st.st_mode) && !directory_ok) return fmt::format("'{}' is a directory", path);
  if (::access(path.c_str(), R_OK) != 0) return fmt::format("'{}' cannot be read", path);
  return {};
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string asn1_time_text(const ASN1_TIME* t) {
  BIO* b = BIO_new(BIO_s_mem());
  ASN1_TIME_print(b, t);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

std::string serial_text(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

void set_versions(asio::ssl::context& ctx, const std::string& min_version) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(),
                                min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                  asio::ssl::context::single_dh_use);
}

}  // namespace

tls_contexts make_tls_contexts(const tls_options& o, tls_problem& problem) {
  ERR_clear_error();
  auto fail = [&problem](std::string option, std::string what) {
    problem = tls_problem{std::move(option), std::move(what)};
    return tls_contexts{};
  };
  if (o.certificate.empty()) return fail("tls-certificate", "not set");
  if (o.private_key.empty()) return fail("tls-private-key", "not set");
  if (auto why = unreadable(o.certificate, false); !why.empty())
    return fail("tls-certificate", why);
  if (auto why = unreadable(o.private_key, false); !why.empty())
    return fail("tls-private-key", why);
  if (!o.ca_file.empty()) {
    if (auto why = unreadable(o.ca_file, true); !why.empty()) return fail("tls-ca-file", why);
  }

  auto server = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  set_versions(*server, o.min_version);
  SSL_CTX* sctx = server->native_handle();
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(sctx, o.ciphers.c_str()) != 1)
    return fail("tls-ciphers", fmt::format("'{}' selects no cipher OpenSSL knows ({})", o.ciphers,
                                           openssl_error()));
  if (SSL_CTX_use_certificate_chain_file(sctx, o.certificate.c_str()) != 1)
    return fail("tls-certificate",
                fmt::format("'{}' is not a PEM certificate ({})", o.certificate, openssl_error()));
  if (SSL_CTX_use_PrivateKey_file(sctx, o.private_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("tls-private-key",
                fmt::format("'{}' is not a PEM private key, or not the key of the certificate "
                            "'{}' ({})",
                            o.private_key, o.certificate, openssl_error()));
  if (SSL_CTX_check_private_key(sctx) != 1)
    return fail("tls-private-key", fmt::format("'{}' is not the key of the certificate '{}'",
                                               o.private_key, o.certificate));
  X509* cert = SSL_CTX_get0_certificate(sctx);
  if (!cert)
    return fail("tls-certificate", fmt::format("'{}' holds no certificate", o.certificate));
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0)
    return fail("tls-certificate", fmt::format("'{}' expired on {}", o.certificate,
                                               asn1_time_text(X509_get0_notAfter(cert))));
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
    return fail("tls-certificate", fmt::format("'{}' is not valid before {}", o.certificate,
                                               asn1_time_text(X509_get0_notBefore(cert))));

  auto client = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  set_versions(*client, o.min_version);
  SSL_CTX* cctx = client->native_handle();
  if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(cctx, o.ciphers.c_str());
  boost::system::error_code ec;
  if (o.ca_file.empty()) {
    client->set_default_verify_paths(ec);
  } else if (is_directory(o.ca_file)) {
    client->add_verify_path(o.ca_file, ec);
  } else {
    client->load_verify_file(o.ca_file, ec);
  }
  if (ec)
    return fail("tls-ca-file",
                fmt::format("'{}' holds no PEM certificate ({})", o.ca_file, ec.message()));
  client->set_verify_mode(asio::ssl::verify_peer);

  tls_contexts out;
  out.server = std::move(server);
  out.client = std::move(client);
  out.serial = serial_text(cert);
  out.not_after = asn1_time_text(X509_get0_notAfter(cert));
  return out;
}

void expect_peer_address(SSL* ssl, const std::string& ip_text) {
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip_text.c_str());
}

}  // namespace sipproxy::transport
