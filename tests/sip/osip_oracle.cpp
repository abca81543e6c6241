#include "sip/osip_oracle.hpp"

#include <osipparser2/osip_parser.h>

#include <cstdarg>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace sipproxy::sip {

namespace {

struct osip_message_deleter {
  void operator()(osip_message_t* m) const { osip_message_free(m); }
};
using osip_message_ptr = std::unique_ptr<osip_message_t, osip_message_deleter>;

std::string text(const char* s) {
  return s ? std::string(s) : std::string();
}

// libosip2 keeps an IPv6 reference without its brackets; we keep them.
std::string host_of(const char* h) {
  std::string host = text(h);
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return host;
}

// A decimal as libosip2 stored it; nullopt for anything else.
std::optional<unsigned long> number_of(const char* s) {
  if (!s || !*s) return std::nullopt;
  char* end = nullptr;
  unsigned long n = std::strtoul(s, &end, 10);
  if (*end != '\0' || *s == '-' || *s == '+') return std::nullopt;
  return n;
}

routing_uri uri_of(const osip_uri_t* u) {
  if (!u) return "<unparseable>";
  std::string scheme = lower_ascii(text(u->scheme));
  if (scheme != "sip" && scheme != "sips") return scheme + ":...";
  if (u->host == nullptr) return "<unparseable>";
  unsigned port = 0;
  if (auto p = number_of(u->port)) port = static_cast<unsigned>(*p);
  return make_routing_uri(text(u->scheme), text(u->username), host_of(u->host), port);
}

std::string tag_of(osip_from_t* f) {
  osip_generic_param_t* tag = nullptr;
  if (!f || osip_from_get_tag(f, &tag) != OSIP_SUCCESS || !tag) return {};
  return text(tag->gvalue);
}

}  // namespace

std::optional<routing_fields> osip_fields(std::string_view bytes) {
  static std::once_flag initialised;
  std::call_once(initialised, [] {
    parser_init();
    // Its parse errors are our test's data, not news: no trace lines on stderr.
    osip_trace_initialize_func(TRACE_LEVEL0,
                               [](const char*, int, osip_trace_level_t, const char*, va_list) {});
    for (int level = TRACE_LEVEL0; level < END_TRACE_LEVEL; ++level)
      osip_trace_disable_level(static_cast<osip_trace_level_t>(level));
  });
  osip_message_t* raw = nullptr;
  if (osip_message_init(&raw) != OSIP_SUCCESS) return std::nullopt;
  osip_message_ptr m(raw);
  if (osip_message_parse(m.get(), bytes.data(), bytes.size()) != OSIP_SUCCESS) return std::nullopt;

  routing_fields f;
  f.request = MSG_IS_REQUEST(m.get());
  if (f.request) {
    f.method = text(m->sip_method);
    f.request_uri = uri_of(m->req_uri);
  } else {
    f.status = m->status_code;
  }
  if (auto* via = static_cast<osip_via_t*>(osip_list_get(&m->vias, 0))) {
    f.has_via = true;
    f.via_transport = upper_ascii(text(via->protocol));
    f.via_host = lower_ascii(host_of(via->host));
    if (auto p = number_of(via->port)) f.via_port = static_cast<unsigned>(*p);
    osip_generic_param_t* branch = nullptr;
    if (osip_via_param_get_byname(via, const_cast<char*>("branch"), &branch) == OSIP_SUCCESS &&
        branch)
      f.via_branch = text(branch->gvalue);
  }
  if (m->call_id) {
    f.call_id = text(m->call_id->number);
    if (m->call_id->host) f.call_id += "@" + text(m->call_id->host);
  }
  if (m->cseq) {
    f.cseq_number = number_of(m->cseq->number);
    if (f.cseq_number) f.cseq_method = text(m->cseq->method);
  }
  f.has_from = m->from != nullptr;
  f.has_to = m->to != nullptr;
  f.from_tag = tag_of(m->from);
  f.to_tag = tag_of(m->to);
  if (m->content_length) f.content_length = number_of(m->content_length->value);
  for (int i = 0; i < osip_list_size(&m->routes); ++i) {
    auto* route = static_cast<osip_route_t*>(osip_list_get(&m->routes, i));
    f.routes.push_back(uri_of(route ? route->url : nullptr));
  }
  return f;
}

}  // namespace sipproxy::sip
