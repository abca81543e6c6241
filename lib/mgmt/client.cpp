#include "mgmt/client.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace sipproxy::mgmt {

namespace asio = boost::asio;
using asio::ip::tcp;

call_result call(const std::string& host, std::uint16_t port, const request& r,
                 std::chrono::milliseconds timeout) {
  call_result out;
  asio::io_context io;
  tcp::socket socket(io);
  asio::steady_timer deadline(io);
  asio::streambuf in(max_line);
  std::string wire = encode(r);
  bool timed_out = false;

  deadline.expires_after(timeout);
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.close(ignored);
  });
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    out.error = fmt::format("cannot resolve {}: {}", host, ec.message());
    return out;
  }
  asio::async_connect(
      socket, endpoints, [&](const boost::system::error_code& cec, const tcp::endpoint&) {
        if (cec) {
          out.error = timed_out ? "timed out connecting" : cec.message();
          deadline.cancel();
          return;
        }
        out.connected = true;
        asio::async_write(
            socket, asio::buffer(wire), [&](const boost::system::error_code& wec, std::size_t) {
              if (wec) {
                out.error = wec.message();
                deadline.cancel();
                return;
              }
              asio::async_read_until(
                  socket, in, '\n', [&](const boost::system::error_code& rec, std::size_t n) {
                    deadline.cancel();
                    if (rec) {
                      out.error = timed_out ? "timed out waiting for the reply" : rec.message();
                      return;
                    }
                    std::string line(asio::buffers_begin(in.data()),
                                     asio::buffers_begin(in.data()) + n);
                    out.reply = json::parse(line, nullptr, false);
                    if (out.reply.is_discarded() || !out.reply.is_object())
                      out.error = "the reply is not JSON";
                  });
            });
      });
  io.run();
  if (out.error.empty() && out.reply.is_null()) out.error = "no reply";
  return out;
}

namespace {

std::string str(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "-";
  return j.dump();
}

// The node(s) in use: a cluster's masters and their slots, the master a sentinel named.
std::string render_nodes(const json& s) {
  std::string mode = s.value("mode", std::string("redis"));
  std::string out;
  if (mode == "redis-cluster") {
    out += fmt::format(
        "  cluster: {} master(s), subscribed on {}; redirections: {} MOVED, {} "
        "ASK; map read again {} time(s)\n",
        s["masters"].size(), str(s.value("subscribed_on", json())), str(s["redirections_moved"]),
        str(s["redirections_ask"]), str(s["map_refreshes"]));
    for (const auto& m : s["masters"])
      out += fmt::format("    master {} slots {} ({})\n", str(m["address"]), str(m["ranges"]),
                         str(m["slots"]));
  } else if (mode == "redis-sentinel") {
    out += fmt::format("  sentinel: master '{}' is {} (named by {}); switches seen: {}\n",
                       str(s["master_name"]), str(s.value("master", json())),
                       str(s.value("named_by", json())), str(s["switches_seen"]));
  }
  return out;
}

// `peers` with shared-storage = redis://: the Redis connection instead of peer links.
std::string render_storage(const json& s) {
  std::string out =
      fmt::format("shared storage: Redis {}, {} for {} s (pub/sub channel {})\n", str(s["address"]),
                  str(s["state"]), str(s["state_for_s"]), str(s["channel"]));
  if (s.contains("error")) out += "  last error: " + str(s["error"]) + "\n";
  out += fmt::format("  held here: {} binding(s), {} tombstone(s), {} session(s)\n",
                     str(s["bindings"]), str(s["tombstones"]), str(s["sessions"]));
  out += fmt::format(
      "  writes: {} applied, {} older than Redis's, {} refused; changes received: {} ({} "
      "applied)\n",
      str(s["writes_applied"]), str(s["writes_older"]), str(s["write_errors"]),
      str(s["changes_received"]), str(s["changes_applied"]));
  out += fmt::format("  connections: {}, outages: {}; last sync read {} key(s) in {} s\n",
                     str(s["connects"]), str(s["outages"]), str(s["last_sync_keys"]),
                     str(s["last_sync_s"]));
  out += fmt::format(
      "  changes made while Redis was away: {} queued (at most {}), {} written from the queue, "
      "{} queue overflow(s)\n",
      str(s.value("queued", json())), str(s.value("queue_cap", json())),
      str(s.value("queued_written", json())), str(s.value("queue_overflows", json())));
  out += render_nodes(s);
  return out;
}

}  // namespace

std::string render(const std::string& cmd, json reply) {
  std::string out;
  if (!reply.value("ok", false)) return "refused: " + reply.value("error", std::string("?")) + "\n";
  if (cmd == "status") {
    out += fmt::format("{} (sipproxy {}), {} mode, up {} s{}\n", str(reply["application"]),
                       str(reply["version"]), str(reply["mode"]), str(reply["uptime_s"]),
                       reply.value("draining", false) ? ", DRAINING" : "");
    for (auto& [k, v] : reply["listeners"].items())
      out += fmt::format("  listener {:5} {}\n", k, str(v));
    out += fmt::format("  transactions: {} server, {} client; registrations {}; sessions {}\n",
                       str(reply["transactions"]["server"]), str(reply["transactions"]["client"]),
                       str(reply["registrations"]), str(reply["sessions"]));
    out += "  counters:\n";
    for (auto& [k, v] : reply["counters"].items()) out += fmt::format("    {:26} {}\n", k, str(v));
    if (reply.contains("shared_storage") && reply["shared_storage"].contains("address"))
      out += fmt::format(
          "  shared storage: Redis {} {}{}\n", str(reply["shared_storage"]["address"]),
          str(reply["shared_storage"]["state"]),
          reply["shared_storage"].contains("masters")
              ? fmt::format(" ({} master(s))", reply["shared_storage"]["masters"].size())
              : std::string());
    if (reply["alarms"].empty()) {
      out += "  alarms: none\n";
    } else {
      for (const auto& a : reply["alarms"]) out += "  ALARM " + str(a) + "\n";
    }
    return out;
  }
  if (cmd == "servers") {
    out += fmt::format("oos-check {} s, oos-force {} s\n", str(reply["oos_check"]),
                       str(reply["oos_force"]));
    out += fmt::format("{:16} {:8} {:24} {:15} {:>9} {:>11}\n", "PAIR", "ROLE", "ADDRESS", "STATE",
                       "RTT ms", "ANSWERED");
    for (const auto& p : reply["servers"]) {
      for (const auto& m : p["members"]) {
        std::string rtt = m["last_rtt_ms"].is_null()
                              ? "-"
                              : fmt::format("{:.2f}", m["last_rtt_ms"].get<double>());
        out += fmt::format("{:16} {:8} {:24} {:15} {:>9} {:>5}/{:<5}\n", str(p["name"]),
                           str(m["role"]), str(m["address"]), str(m["state"]), rtt,
                           str(m["probes_answered"]), str(m["probes_sent"]));
      }
      out += fmt::format("{:16} new dialogs -> {}\n", "",
                         p.value("available", false) ? str(p["new_dialogs_to"])
                                                     : std::string("none (pair unavailable)"));
    }
    if (reply.contains("feature_servers")) {
      for (const auto& m : reply["feature_servers"]) {
        std::string rtt = m["last_rtt_ms"].is_null()
                              ? "-"
                              : fmt::format("{:.2f}", m["last_rtt_ms"].get<double>());
        out += fmt::format("{:16} {:8} {:24} {:15} {:>9} {:>5}/{:<5}\n", "Feature Server", "-",
                           str(m["address"]), str(m["state"]), rtt, str(m["probes_answered"]),
                           str(m["probes_sent"]));
      }
    }
    return out;
  }
  if (cmd == "registrations" && reply.contains("bindings")) {
    out += fmt::format("{:32} {:40} {:>10} {}\n", "AOR", "CONTACT", "EXPIRES", "FLOW");
    for (const auto& b : reply["bindings"])
      out += fmt::format("{:32} {:40} {:>10} {}\n", str(b["aor"]), str(b["contact"]),
                         str(b["expires_in_s"]), str(b["flow"]));
    if (reply["bindings"].empty()) out += "(no bindings)\n";
    return out;
  }
  if (cmd == "peers" && reply.contains("storage")) return render_storage(reply["storage"]);
  if (cmd == "peers") {
    if (reply["peers"].empty()) return "(no other instance in sipproxy-applications)\n";
    out += fmt::format("{:16} {:22} {:10} {:>7} {:>6} {:>7} {:>9} {:>9} {:>7}\n", "PEER",
                       "MGMT ADDRESS", "LINK", "SINCE s", "QUEUED", "LAG ms", "SENT", "RECEIVED",
                       "RTT ms");
    for (const auto& p : reply["peers"]) {
      out += fmt::format("{:16} {:22} {:10} {:>7} {:>6} {:>7} {:>9} {:>9} {:>7}\n", str(p["name"]),
                         str(p["address"]), str(p["link"]), str(p["since_s"]), str(p["queued"]),
                         str(p["lag_ms"]), str(p["records_sent"]), str(p["records_received"]),
                         p["rtt_ms"].is_number() ? fmt::format("{:.1f}", p["rtt_ms"].get<double>())
                                                 : std::string("-"));
      if (p.contains("error")) out += "                 " + str(p["error"]) + "\n";
    }
    out += fmt::format("records held here: {}, digest {}\n", str(reply["records"]),
                       str(reply["digest"]));
    return out;
  }
  if (cmd == "get") {
    return fmt::format("{} = {}  (default {}; valid {}; takes effect {})\n", str(reply["option"]),
                       str(reply["value"]), str(reply["default"]), str(reply["valid"]),
                       str(reply["takes_effect"]));
  }
  if (cmd == "set") {
    return fmt::format("{} = {} (was {})\n", str(reply["option"]), str(reply["value"]),
                       str(reply["previous"]));
  }
  for (auto& [k, v] : reply.items()) {
    if (k != "ok") out += fmt::format("{}: {}\n", k, v.is_object() ? v.dump() : str(v));
  }
  return out;
}

}  // namespace sipproxy::mgmt
