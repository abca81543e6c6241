// sipprobe's command line, parsed without I/O (on Boost.Program_options, lib/cli/): which
// command, its options, or why the line is wrong. The binary prints usage() on --help and the error
// (exit 2) otherwise.
#pragma once

#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipproxy::probe {

enum class command { none, dns, options, check };

enum class dns_query { a, aaaa, srv, all };

struct dns_args {
  std::string name;
  dns_query type = dns_query::all;
};

struct options_args {
  std::string uri;
  int count = 1;
  std::chrono::milliseconds interval{1000};
};

struct check_args {
  std::string config;
  std::string app;  // empty: the first of sipproxy-applications, else the first sip-proxy
};

struct probe_args {
  command cmd = command::none;
  bool help = false;
  bool json = false;
  std::optional<boost::asio::ip::udp::endpoint> server;  // --server IP[:PORT]
  std::chrono::milliseconds timeout{2000};               // --timeout S: per DNS try, per probe
  dns_args dns;
  options_args options;
  check_args check;
  std::string error;  // set: a usage error, one line
};

// `args` excludes the program name.
probe_args parse_args(const std::vector<std::string>& args);

// The --help text of a command (command::none: the overview), generated from the tables
// the parser uses.
std::string usage(command cmd);

// "dns", "options", "check"; empty for command::none.
std::string_view command_name(command cmd);

// "IP", "IP:PORT", "[IPv6]:PORT"; the port defaults to 53. nullopt when malformed.
std::optional<boost::asio::ip::udp::endpoint> parse_server(std::string_view text);

// Seconds as a decimal ("0.5", "2") within (0, max]; nullopt otherwise.
std::optional<std::chrono::milliseconds> parse_seconds(std::string_view text, double max);

}  // namespace sipproxy::probe
