#include "sip/parser_differential.hpp"

#include <array>
#include <charconv>
#include <regex>

#include "sip/header_id.hpp"
#include "sip/name_addr.hpp"
#include "sip/osip_oracle.hpp"
#include "sip/text.hpp"
#include "sip/uri.hpp"

namespace sipproxy::sip {

namespace {

// ---- Reading the raw bytes, independently of both parsers, for the evidence a row
// ---- checks before it explains a disagreement.

struct raw_field {
  header_id id;
  std::string_view name;
  std::string_view value;  // may hold folded lines
  bool colon = true;       // false: a line without one (value empty, at the line's end)
};

struct raw_message {
  std::string_view start_line;
  std::vector<raw_field> fields;
  std::string_view body;
};

raw_message split(std::string_view text) {
  raw_message out;
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  std::size_t crlf = text.find("\r\n\r\n");
  std::size_t lf = text.find("\n\n");
  std::size_t head_end = text.size();
  std::size_t body_start = text.size();
  if (crlf != text.npos && (lf == text.npos || crlf + 2 <= lf)) {
    head_end = crlf;
    body_start = crlf + 4;
  } else if (lf != text.npos) {
    head_end = lf;
    body_start = lf + 2;
  }
  std::string_view head = text.substr(0, head_end);
  out.body = text.substr(body_start);
  std::size_t pos = 0;
  bool first = true;
  while (pos < head.size()) {
    std::size_t end = head.find('\n', pos);
    if (end == head.npos) end = head.size();
    std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    if (first) {
      // As written: "SIP/2.0 200 " keeps the SP before its empty Reason-Phrase.
      out.start_line = line.ends_with('\r') ? line.substr(0, line.size() - 1) : line;
      first = false;
    } else if (!line.empty() && is_wsp(line.front()) && !out.fields.empty()) {
      raw_field& f = out.fields.back();
      f.value = std::string_view(f.value.data(), line.data() + line.size() - f.value.data());
    } else {
      std::size_t colon = line.find(':');
      std::string_view name = trim(line.substr(0, colon));
      std::string_view value = line.substr(colon == line.npos ? line.size() : colon + 1);
      out.fields.push_back({lookup_header(name), name, value, colon != line.npos});
    }
  }
  return out;
}

std::size_t count_fields(const raw_message& m, header_id id) {
  std::size_t n = 0;
  for (const auto& f : m.fields) n += f.id == id;
  return n;
}

// The entries of a comma-separated list, as the grammar's "*(COMMA x)" reads it.
std::vector<std::string_view> entries(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = find_unquoted(value, ',', start);
    out.push_back(trim(value.substr(start, comma == value.npos ? value.npos : comma - start)));
    if (comma == value.npos) break;
    start = comma + 1;
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The message reduced to what routing reads: the start line, the top Via entry, the Route,
// Max-Forwards, Call-ID, CSeq and Content-Length fields byte for byte, From and To with their URI
// and display name replaced (their parameters, the tag among them, kept byte for byte; in a
// response, a From or To that is no name-addr left out); every other field left out.
std::string without_unused_components(std::string_view bytes) {
  raw_message m = split(bytes);
  std::string out(m.start_line);
  out += "\r\n";
  bool top_via = true;
  for (const auto& f : m.fields) {
    switch (f.id) {
      case header_id::via:  // the top entry only: the proxy reads no other
        if (!top_via) continue;
        top_via = false;
        out.append(f.name).append(": ").append(entries(f.value).front());
        break;
      case header_id::route:
      case header_id::max_forwards:
      case header_id::call_id:
      case header_id::cseq:
      case header_id::content_length:
        out.append(f.name).append(":").append(f.value);
        break;
      case header_id::from:
      case header_id::to: {
        auto na = parse_name_addr(f.value);
        // A response goes back by its Via (RFC 3261 §16.7): one whose From or To is no
        // name-addr is forwarded with it untouched, and reduced without it.
        if (!na && m.start_line.starts_with("SIP/")) continue;
        if (!na) return {};
        out.append(f.name).append(": <sip:x@invalid>").append(na->params);
        break;
      }
      default:
        continue;
    }
    if (out.back() != '\r') out += "\r";
    out += "\n";
  }
  out += "\r\n";
  out.append(m.body);
  return out;
}

std::string show(const std::optional<unsigned long>& n) {
  return n ? std::to_string(*n) : "<none>";
}

std::string show(const std::vector<routing_uri>& routes) {
  std::string out = "[";
  for (const auto& r : routes) out += (out.size() > 1 ? ", " : "") + r;
  return out + "]";
}

void differ(std::vector<field_disagreement>& out, std::string field, std::string ours,
            std::string osip) {
  if (ours != osip) out.push_back({std::move(field), std::move(ours), std::move(osip)});
}

std::vector<field_disagreement> compare_fields(const routing_fields& a, const routing_fields& b) {
  std::vector<field_disagreement> out;
  differ(out, "kind", a.request ? "request" : "response", b.request ? "request" : "response");
  if (a.request != b.request) return out;
  differ(out, "method", a.method, b.method);
  differ(out, "request_uri", a.request_uri, b.request_uri);
  differ(out, "status", std::to_string(a.status), std::to_string(b.status));
  differ(out, "via", a.has_via ? "present" : "absent", b.has_via ? "present" : "absent");
  differ(out, "via_transport", a.via_transport, b.via_transport);
  if (a.via_transport != "<unparseable>") {  // else one disagreement says it all
    differ(out, "via_host", a.via_host, b.via_host);
    differ(out, "via_port", std::to_string(a.via_port), std::to_string(b.via_port));
    differ(out, "via_branch", a.via_branch, b.via_branch);
  }
  differ(out, "call_id", a.call_id, b.call_id);
  differ(out, "cseq_number", show(a.cseq_number), show(b.cseq_number));
  differ(out, "cseq_method", a.cseq_method, b.cseq_method);
  differ(out, "from_tag", a.from_tag, b.from_tag);
  differ(out, "to_tag", a.to_tag, b.to_tag);
  differ(out, "content_length", show(a.content_length), show(b.content_length));
  differ(out, "routes", show(a.routes), show(b.routes));
  return out;
}

// ---- The rows. Each one checks our verdict and, where it can, evidence from libosip2's
// ---- reading or the raw bytes, so that a row cannot hide a bug of ours behind a reason.

bool we_refuse(const differential& d, std::string_view reason_start) {
  return !d.ours_accepts && d.osip && d.ours.msg &&
         std::string_view(d.ours.error_reason).starts_with(reason_start);
}

constexpr unsigned long max_cseq = 0x7fffffffUL;  // RFC 3261 §8.1.1.5: less than 2**31

bool missing_mandatory(const differential& d, const field_disagreement&) {
  if (!d.ours.msg || !d.ours.msg->is_request()) return false;
  const routing_fields& o = *d.osip;
  return (we_refuse(d, "Missing Via header") && !o.has_via) ||
         (we_refuse(d, "Missing From header") && !o.has_from) ||
         (we_refuse(d, "Missing To header") && !o.has_to) ||
         (we_refuse(d, "Missing Call-ID header") && o.call_id.empty()) ||
         (we_refuse(d, "Missing CSeq header") && !o.cseq_number);
}

bool response_missing_header(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed response")) return false;
  const routing_fields& o = *d.osip;
  raw_message m = split(d.bytes);
  return !o.has_via || o.call_id.empty() || !o.cseq_number || *o.cseq_number > max_cseq ||
         !is_token(o.cseq_method) || count_fields(m, header_id::cseq) > 1 ||
         count_fields(m, header_id::call_id) > 1;
}

// A From or To header with nothing in it: libosip2 skips an empty header, and then finds no
// From or To; we read the header that is there, and it is no name-addr / addr-spec.
bool empty_from_or_to(const differential& d, const field_disagreement&) {
  bool from = we_refuse(d, "Malformed From header") && !d.osip->has_from;
  bool to = we_refuse(d, "Malformed To header") && !d.osip->has_to;
  if (!from && !to) return false;
  for (const auto& f : split(d.bytes).fields) {
    if (f.id == (from ? header_id::from : header_id::to) && trim(f.value).empty()) return true;
  }
  return false;
}

bool empty_call_id(const differential& d, const field_disagreement&) {
  return we_refuse(d, "Empty Call-ID header") && trim(d.osip->call_id).empty();
}

bool call_id_not_a_word(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed Call-ID header")) return false;
  auto word_char = [](char c) {
    return is_token_char(c) ||
           std::string_view("()<>:\\\"/[]?{}").find(c) != std::string_view::npos;
  };
  for (const auto& f : split(d.bytes).fields) {
    if (f.id != header_id::call_id) continue;
    std::string_view v = trim(f.value);
    std::size_t at = v.find('@');
    if (v.empty() || at == 0 || at + 1 == v.size() || v.find('@', at + 1) != v.npos) return true;
    for (char c : v) {
      if (c != '@' && !word_char(c)) return true;
    }
  }
  return false;
}

bool repeated_single_header(const differential& d, const field_disagreement&) {
  raw_message m = split(d.bytes);
  return (we_refuse(d, "Multiple Call-ID headers") && count_fields(m, header_id::call_id) > 1) ||
         (we_refuse(d, "Multiple CSeq headers") && count_fields(m, header_id::cseq) > 1) ||
         (we_refuse(d, "Multiple From headers") && count_fields(m, header_id::from) > 1) ||
         (we_refuse(d, "Multiple To headers") && count_fields(m, header_id::to) > 1);
}

bool cseq_method_mismatch(const differential& d, const field_disagreement&) {
  return we_refuse(d, "CSeq method does not match") && d.osip->cseq_method != d.osip->method;
}

bool cseq_not_grammar(const differential& d, const field_disagreement&) {
  return we_refuse(d, "Malformed CSeq header") &&
         (!d.osip->cseq_number || *d.osip->cseq_number > max_cseq ||
          !is_token(d.osip->cseq_method));
}

bool max_forwards_out_of_range(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed Max-Forwards header")) return false;
  for (const auto& f : split(d.bytes).fields) {
    if (f.id != header_id::max_forwards) continue;
    std::string_view v = trim(f.value);
    unsigned n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (!all_digits(v) || ec != std::errc{} || n > 255) return true;
  }
  return false;
}

bool content_length_not_a_length(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed Content-Length header")) return false;
  for (const auto& f : split(d.bytes).fields) {
    if (f.id != header_id::content_length) continue;
    std::string_view v = trim(f.value);
    unsigned long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (!all_digits(v) || ec != std::errc{} || n > 0x7fffffffUL) return true;
  }
  return false;
}

bool content_length_beyond_body(const differential& d, const field_disagreement&) {
  return we_refuse(d, "Content-Length larger than the message body") && d.osip->content_length &&
         *d.osip->content_length > split(d.bytes).body.size();
}

bool start_line_not_sip(const differential& d, const field_disagreement&) {
  static const std::regex request_line(R"(^[A-Za-z0-9.!%*_+`'~-]+ [^ ]+ SIP/[0-9]+\.[0-9]+$)",
                                       std::regex::icase);
  static const std::regex status_line(R"(^SIP/[0-9]+\.[0-9]+ [1-6][0-9][0-9] .*$)",
                                      std::regex::icase);
  if (d.ours_accepts || !d.osip) return false;
  std::string_view text = d.bytes;
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  std::string line(text.substr(0, text.find('\n')));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line.find('\0') != line.npos ||
         (!std::regex_match(line, request_line) && !std::regex_match(line, status_line));
}

bool request_uri_bad_characters(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed Request-")) return false;
  for (unsigned char c : d.ours.msg->request_uri()) {
    if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"') return true;
  }
  return false;
}

bool header_name_not_token(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed header name")) return false;
  for (const auto& f : split(d.bytes).fields) {
    if (!is_token(f.name)) return true;
  }
  return false;
}

bool header_line_without_colon(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Malformed header line")) return false;
  for (const auto& f : split(d.bytes).fields) {
    if (!f.colon) return true;
  }
  return false;
}

bool nul_in_header_section(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "NUL byte in the header section")) return false;
  raw_message m = split(d.bytes);
  for (const auto& f : m.fields) {
    if (f.name.find('\0') != f.name.npos || f.value.find('\0') != f.value.npos) return true;
  }
  return false;
}

bool bare_cr_in_header_section(const differential& d, const field_disagreement&) {
  // Whatever our reason (a bare CR on the start line is a Malformed Request-Line), libosip2
  // reads the CR as a line end.
  if (d.ours_accepts || !d.osip || !d.ours.msg) return false;
  raw_message m = split(d.bytes);
  std::string_view head(m.start_line.data(), m.body.data() - m.start_line.data());
  for (std::size_t cr = head.find('\r'); cr != head.npos; cr = head.find('\r', cr + 1)) {
    if (cr + 1 < head.size() && head[cr + 1] != '\n') return true;
  }
  return false;
}

// The first line after the start line begins with white space: a continuation of no header.
bool continuation_without_header(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Continuation line without a header")) return false;
  std::string_view text = d.bytes;
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  std::size_t lf = text.find('\n');
  return lf != text.npos && lf + 1 < text.size() && is_wsp(text[lf + 1]);
}

bool header_section_not_ended(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Header section without its empty line")) return false;
  std::string_view text = d.bytes;
  while (!text.empty() && (text.front() == '\r' || text.front() == '\n')) text.remove_prefix(1);
  return text.find("\r\n\r\n") == text.npos && text.find("\n\n") == text.npos;
}

bool too_many_header_fields(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Too many header fields")) return false;
  std::size_t n = 0;
  for (const auto& f : split(d.bytes).fields)
    n += is_split_list(f.id) ? entries(f.value).size() : 1;
  return n > parse_limits{}.max_headers;
}

bool empty_list_entry(const differential& d, const field_disagreement&) {
  if (!we_refuse(d, "Empty entry in ")) return false;
  for (const auto& f : split(d.bytes).fields) {
    if (!is_split_list(f.id)) continue;
    for (auto e : entries(f.value)) {
      if (e.empty()) return true;
    }
  }
  return false;
}

bool unsupported_version(const differential& d, const field_disagreement&) {
  return d.ours.msg && d.ours.error_status == 505 && d.osip &&
         !iequals(d.ours.msg->version(), "SIP/2.0");
}

bool body_without_content_length(const differential& d, const field_disagreement&) {
  return d.ours_accepts && d.osip && !d.ours.msg->first(header_id::content_length) &&
         !d.ours.msg->body().empty() && d.osip->content_length == 0UL;
}

// RFC 3261 §25.1, read on its own: via-parm = sent-protocol LWS sent-by *(SEMI via-params),
// sent-protocol = "SIP" SLASH "2.0" SLASH transport (the only version a SIP/2.0 element can
// answer), sent-by = host [COLON port], via-params = token [EQUAL (token / host /
// quoted-string)]. True when `value` is not such a via-parm.
bool via_breaks_grammar(std::string_view value) {
  static const std::regex via_parm(
      R"(^[ \t]*SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*[A-Za-z0-9.!%*_+`'~-]+[ \t]+)"
      R"((\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)([ \t]*:[ \t]*([0-9]{1,5}))?[ \t]*)"
      R"((;[ \t]*[A-Za-z0-9.!%*_+`'~-]+([ \t]*=[ \t]*([A-Za-z0-9.!%*_+`'~-]+|)"
      R"(\[?[0-9A-Fa-f:.]+\]?|"[^"]*"))?[ \t]*)*$)",
      std::regex::icase);
  std::cmatch m;
  std::string text(value);
  if (!std::regex_match(text.c_str(), m, via_parm)) return true;
  if (m[3].matched) {
    unsigned long port = std::stoul(m[3].str());
    if (port == 0 || port > 65535) return true;
  }
  return false;
}

// RFC 3261 §25.1 SIP-URI, read on its own: "sip:" or "sips:", an optional userinfo ending
// in '@', a host (hostname, IPv4 or IPv6 reference), an optional port 1-65535, then
// parameters (paramchar, "=", ";") and headers. True when `text` is not one.
bool sip_uri_breaks_grammar(std::string_view text) {
  static const std::regex sip_uri(
      R"(^sips?:([^@:]+(:[^@]*)?@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(:([0-9]{1,5}))?)"
      R"((;[A-Za-z0-9._!~*'()%\[\]/:&+$=-]*)*(\?.*)?$)",
      std::regex::icase);
  std::cmatch m;
  std::string s(text);
  if (!std::regex_match(s.c_str(), m, sip_uri)) return true;
  if (m[5].matched) {
    unsigned long port = std::stoul(m[5].str());
    if (port == 0 || port > 65535) return true;
  }
  return false;
}

bool request_uri_unreadable(const differential& d, const field_disagreement& f) {
  return d.ours_accepts && d.osip && f.ours == "<unparseable>" &&
         sip_uri_breaks_grammar(d.ours.msg->request_uri());
}

bool request_uri_unreadable_refused(const differential& d, const field_disagreement&) {
  if (!d.ours_accepts || d.osip || !d.ours.msg->is_request()) return false;
  std::string_view ruri = d.ours.msg->request_uri();
  std::string scheme = lower_ascii(std::string(uri_scheme(ruri)));
  return (scheme == "sip" || scheme == "sips") && !parse_uri(ruri) && sip_uri_breaks_grammar(ruri);
}

// Each entry we could not read breaks the SIP-URI grammar, and libosip2 either leaves it
// out or reads it as a URI that breaks the grammar too (a host with '!' or raw octets in
// it); every entry we read, libosip2 reads the same, in the same order.
bool route_unreadable(const differential& d, const field_disagreement&) {
  if (!d.ours_accepts || !d.osip) return false;
  routing_fields ours = fields_of(*d.ours.msg);
  const std::vector<routing_uri>& theirs = d.osip->routes;
  std::size_t i = 0;
  std::size_t j = 0;
  bool unreadable = false;
  for (const auto& h : d.ours.msg->headers()) {
    if (h.id != header_id::route) continue;
    if (ours.routes[i] != "<unparseable>") {
      if (j >= theirs.size() || theirs[j] != ours.routes[i]) return false;
      ++j;
    } else {
      auto na = parse_name_addr(h.value);
      if (na && !sip_uri_breaks_grammar(na->uri)) return false;  // we failed a good one
      unreadable = true;
      if (j < theirs.size() && theirs[j] != "<unparseable>" && sip_uri_breaks_grammar(theirs[j]))
        ++j;
    }
    ++i;
  }
  return unreadable && j == theirs.size();
}

bool top_via_not_via(const differential& d, const field_disagreement& f) {
  if (!d.ours_accepts || !d.osip || f.ours != "<unparseable>") return false;
  const header* v = d.ours.msg->first(header_id::via);
  return v && via_breaks_grammar(v->value);
}

bool top_via_unparseable(const differential& d, const field_disagreement&) {
  if (!d.ours_accepts || d.osip) return false;
  const header* v = d.ours.msg->first(header_id::via);
  return v && via_breaks_grammar(v->value) &&
         fields_of(*d.ours.msg).via_transport == "<unparseable>";
}

// libosip2 accepts the message reduced as above, and where it reads what is left
// otherwise than we do, that is a known disagreement too; our reading of the routing
// fields does not change with the reduction.
bool accepted_once_reduced(const differential& d) {
  std::string reduced = without_unused_components(d.bytes);
  if (reduced.empty()) return false;
  differential r = compare_parsers(reduced);
  if (!r.ours_accepts || !r.osip) return false;
  for (const auto& f : r.disagreements) {
    if (!classify(r, f)) return false;
  }
  return compare_fields(fields_of(*d.ours.msg), fields_of(*r.ours.msg)).empty();
}

bool refuses_unused_component(const differential& d, const field_disagreement&) {
  return d.ours_accepts && !d.osip && accepted_once_reduced(d);
}

bool request_uri_bad_escape(const differential& d, const field_disagreement&) {
  if (!d.ours_accepts || !d.osip) return false;
  auto u = parse_uri(d.ours.msg->request_uri());
  if (!u) return false;
  std::string_view user = u->user;
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  for (std::size_t i = user.find('%'); i != user.npos; i = user.find('%', i + 1)) {
    if (i + 2 >= user.size() || !hex(user[i + 1]) || !hex(user[i + 2])) return true;
  }
  return false;
}

constexpr std::array table{
    known_disagreement{
        "missing-mandatory-header", "acceptance", "400 Missing <header> header",
        "accepts: it parses syntax and leaves presence to its caller",
        "RFC 3261 §8.1.1: a request carries To, From, CSeq, Call-ID, Max-Forwards and Via; "
        "§16.3 step 1: the proxy needs them well-formed; RFC 4475 §3.3.1",
        missing_mandatory},
    known_disagreement{"response-missing-header", "acceptance", "400 Malformed response",
                       "accepts a response without a Via, Call-ID or usable CSeq (a number "
                       "of 2**31 or more, a method that is not a token)",
                       "RFC 3261 §8.2.6.2: a response copies Via, From, To, Call-ID and CSeq; "
                       "§16.7 routes it by its top Via",
                       response_missing_header},
    known_disagreement{"empty-from-or-to", "acceptance", "400 Malformed From / To header",
                       "accepts: it skips the empty header (and then has no From or To)",
                       "RFC 3261 §25.1: From = (\"From\" / \"f\") HCOLON from-spec, from-spec "
                       "= (name-addr / addr-spec) *(SEMI from-param), likewise To: no empty "
                       "form; §8.1.1: a request carries both",
                       empty_from_or_to},
    known_disagreement{"empty-call-id", "acceptance", "400 Empty Call-ID header",
                       "accepts, Call-ID empty",
                       "RFC 3261 §25.1: callid = word [\"@\" word], word = 1*(...)", empty_call_id},
    known_disagreement{"call-id-not-a-word", "acceptance",
                       "400 Malformed Call-ID header (white space or controls in it, an "
                       "empty word, a second '@')",
                       "accepts white space and octets outside word in it",
                       "RFC 3261 §25.1: callid = word [\"@\" word], word = 1*(alphanum / "
                       "\"-\" / \".\" / ... / \"{\" / \"}\") with no space",
                       call_id_not_a_word},
    known_disagreement{"repeated-single-header", "acceptance",
                       "400 Multiple Call-ID / CSeq / From / To headers",
                       "accepts when all but one are empty (it skips an empty header)",
                       "RFC 3261 §7.3.1: only list headers may repeat; §25.1: To, From, "
                       "Call-ID and CSeq have no empty form",
                       repeated_single_header},
    known_disagreement{"cseq-method-mismatch", "acceptance",
                       "400 CSeq method does not match Request-Line", "accepts",
                       "RFC 3261 §8.1.1.5: the CSeq method MUST match the request's method; "
                       "RFC 4475 §3.1.2.17, §3.1.2.18",
                       cseq_method_mismatch},
    known_disagreement{"cseq-not-grammar", "acceptance", "400 Malformed CSeq header",
                       "accepts a sequence number of 2**31 or more, or a method that is not "
                       "a token",
                       "RFC 3261 §8.1.1.5: the sequence number MUST be less than 2**31 "
                       "(RFC 4475 §3.1.2.4); §25.1: CSeq = 1*DIGIT LWS Method, Method = token",
                       cseq_not_grammar},
    known_disagreement{"max-forwards-out-of-range", "acceptance",
                       "400 Malformed Max-Forwards header",
                       "accepts: it does not read Max-Forwards",
                       "RFC 3261 §20.22: an integer 0-255; §25.1: 1*DIGIT; RFC 4475 §3.1.2.4",
                       max_forwards_out_of_range},
    known_disagreement{"content-length-not-a-length", "acceptance",
                       "400 Malformed Content-Length header",
                       "accepts a negative or overflowing Content-Length",
                       "RFC 3261 §20.14, §25.1: Content-Length = 1*DIGIT; RFC 4475 §3.1.2.3 "
                       "(ncl), §3.1.2.4 (scalar02)",
                       content_length_not_a_length},
    known_disagreement{"content-length-beyond-body", "acceptance",
                       "400 Content-Length larger than the message body (a response: drop)",
                       "accepts (in some messages) a datagram shorter than it declares",
                       "RFC 3261 §18.3: a packet that ends before the body does is an error: "
                       "a response is discarded, a request gets 400; RFC 4475 §3.1.2.2 (clerr)",
                       content_length_beyond_body},
    known_disagreement{"start-line-not-sip", "acceptance",
                       "drops (or 400 Malformed Request-Line): not a Request-Line or "
                       "Status-Line",
                       "accepts (a method with octets outside token, a line without its "
                       "spaces or version, a status code that is not three digits)",
                       "RFC 3261 §25.1: Request-Line = Method SP Request-URI SP SIP-Version "
                       "CRLF, Method = token; Status-Code = 3DIGIT (RFC 4475 §3.1.2.19)",
                       start_line_not_sip},
    known_disagreement{"request-uri-bad-characters", "acceptance",
                       "400 Malformed Request-URI / Request-Line",
                       "accepts control, space or non-ASCII octets in the Request-URI",
                       "RFC 3261 §25.1: a SIP-URI holds unreserved, escaped and reserved "
                       "characters only (others are %HH escaped)",
                       request_uri_bad_characters},
    known_disagreement{"header-name-not-token", "acceptance", "400 Malformed header name",
                       "accepts (as an unknown header)", "RFC 3261 §25.1: header-name = token",
                       header_name_not_token},
    known_disagreement{"header-line-without-colon", "acceptance", "400 Malformed header line",
                       "accepts (in some messages)",
                       "RFC 3261 §7.3.1: field-name \":\" field-value; §25.1 HCOLON",
                       header_line_without_colon},
    known_disagreement{"nul-in-header-section", "acceptance", "400 NUL byte in the header section",
                       "accepts (its C strings end at the NUL)",
                       "RFC 3261 §25.1: no header value rule admits %x00 (an escaped %00 is "
                       "fine: RFC 4475 §3.1.1.4)",
                       nul_in_header_section},
    known_disagreement{"bare-cr-in-header-section", "acceptance",
                       "400 Bare CR in the header section", "accepts, the CR kept inside the value",
                       "RFC 3261 §7.3.1, §25.1: CRLF ends a line; no rule admits a lone CR "
                       "(a next hop may end the line there: header injection)",
                       bare_cr_in_header_section},
    known_disagreement{"continuation-without-header", "acceptance",
                       "400 Continuation line without a header (a response: drop)",
                       "accepts: it folds the line into nothing",
                       "RFC 3261 §7.3.1, §25.1: a continuation line (LWS) belongs to a "
                       "header field; message-header follows the start line's CRLF",
                       continuation_without_header},
    known_disagreement{"header-section-not-ended", "acceptance",
                       "400 Header section without its empty line",
                       "accepts (in most messages) a header section that runs to the end",
                       "RFC 3261 §7: message = start-line *message-header CRLF "
                       "[message-body]: the empty line is not optional; without it the "
                       "datagram may have been cut short",
                       header_section_not_ended},
    known_disagreement{"too-many-header-fields", "acceptance", "400 Too many header fields",
                       "accepts any number",
                       "ours by design: parse_limits caps a message at 256 header entries; "
                       "RFC 3261 §26.1.5 lets an element bound what one message may cost",
                       too_many_header_fields},
    known_disagreement{"empty-list-entry", "acceptance",
                       "400 Empty entry in Via / Route / Record-Route header",
                       "accepts and skips the empty entry",
                       "RFC 3261 §25.1: Via = ... via-parm *(COMMA via-parm): no empty "
                       "elements (likewise Route, Record-Route)",
                       empty_list_entry},
    known_disagreement{"unsupported-version", "acceptance", "505 Version Not Supported",
                       "accepts any SIP/x.y",
                       "RFC 3261 §21.5.6: 505 for a version the element does not support; RFC 4475 "
                       "§3.1.2.16 (badvers)",
                       unsupported_version},
    known_disagreement{"body-without-content-length", "content_length",
                       "the body runs to the end of the datagram", "0: the body is dropped",
                       "RFC 3261 §18.3: without Content-Length, a UDP message's body ends "
                       "with the datagram; on a stream the header is mandatory (§20.14)",
                       body_without_content_length},
    known_disagreement{"top-via-unparseable", "acceptance",
                       "parser accepts; the proxy's validation drops it (same outcome)",
                       "rejects the message",
                       "RFC 3261 §16.3 step 1 and §18.2.1: a request whose top Via cannot be "
                       "read cannot be answered; both end in no answer",
                       top_via_unparseable},
    known_disagreement{"top-via-not-a-via", "via_transport",
                       "<unparseable>: the proxy's validation drops the message",
                       "reads a transport from it",
                       "RFC 3261 §25.1: sent-protocol = \"SIP\" SLASH \"2.0\" SLASH "
                       "transport, sent-by = host [COLON port]; §18.2.1: a response could not "
                       "be sent back",
                       top_via_not_via},
    known_disagreement{"request-uri-bad-escape", "request_uri",
                       "the user part as written (the proxy routes on the host)",
                       "decodes the broken escape into another user part",
                       "RFC 3261 §25.1: escaped = \"%\" HEXDIG HEXDIG; a '%' followed by "
                       "anything else is no escape and has no decoding",
                       request_uri_bad_escape},
    known_disagreement{"request-uri-unreadable", "request_uri",
                       "<unparseable>: the proxy answers 400 (check_uri_scheme)",
                       "reads a host or port from it",
                       "RFC 3261 §25.1: SIP-URI = \"sip:\" [userinfo] hostport uri-parameters "
                       "[headers], host = hostname / IPv4address / IPv6reference, port 1*DIGIT",
                       request_uri_unreadable},
    known_disagreement{"route-unreadable", "routes",
                       "lists the entry as unreadable: the proxy does not route past it",
                       "leaves the entry out, as if it were not there",
                       "RFC 3261 §20.34, §25.1: Route = route-param *(COMMA route-param), "
                       "route-param = name-addr; §16.4, §16.6 step 6: the next hop is the "
                       "top Route's URI, not the Request-URI",
                       route_unreadable},
    known_disagreement{"request-uri-unreadable-refused", "acceptance",
                       "parser accepts; the proxy answers 400 (check_uri_scheme)",
                       "rejects the message", "RFC 3261 §25.1 SIP-URI (as above): both refuse",
                       request_uri_unreadable_refused},
    known_disagreement{"refuses-unused-component", "acceptance",
                       "accepts; forwards the component untouched",
                       "rejects the whole message over a component the proxy does not use "
                       "(it accepts the message reduced to the routing fields, and reads "
                       "them as we do)",
                       "RFC 3261 §16.3 step 1: components not used SHOULD be ignored and "
                       "remain unchanged when forwarded",
                       refuses_unused_component},
};

}  // namespace

differential compare_parsers(std::string_view bytes) {
  differential d;
  d.bytes = std::string(bytes);
  d.ours = parse(d.bytes);
  d.ours_accepts = d.ours.msg && d.ours.error_status == 0;
  d.osip = osip_fields(bytes);
  auto verdict = [](bool accepts) { return accepts ? "accept" : "reject"; };
  if (d.ours_accepts != d.osip.has_value()) {
    std::string ours = verdict(d.ours_accepts);
    if (!d.ours.msg) ours += " (drop)";
    if (d.ours.error_status != 0)
      ours += " (" + std::to_string(d.ours.error_status) + " " + d.ours.error_reason + ")";
    d.disagreements.push_back({"acceptance", ours, verdict(d.osip.has_value())});
    return d;
  }
  if (d.ours_accepts) d.disagreements = compare_fields(fields_of(*d.ours.msg), *d.osip);
  return d;
}

std::span<const known_disagreement> known_disagreements() {
  return table;
}

const known_disagreement* classify(const differential& d, const field_disagreement& f) {
  for (const auto& row : table) {
    if (row.field == f.field && row.matches(d, f)) return &row;
  }
  return nullptr;
}

std::string describe(const differential& d, const field_disagreement& f) {
  std::string start = d.bytes.substr(0, d.bytes.find('\n'));
  return f.field + ": ours '" + f.ours + "', libosip2 '" + f.osip + "' (message starting '" +
         start + "')";
}

}  // namespace sipproxy::sip
