#include "mgmt/protocol.hpp"

#include "mgmt/json_text.hpp"

namespace sipproxy::mgmt {

std::string encode(const request& r) {
  json j{{"cmd", r.cmd}};
  if (!r.args.empty()) j["args"] = r.args;
  if (!r.token.empty()) j["token"] = r.token;
  if (!r.data.is_null()) j["data"] = r.data;
  return json_text(j) + "\n";
}

std::optional<request> decode_request(std::string_view line, std::string& error) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  request r;
  auto cmd = j.find("cmd");
  if (cmd == j.end() || !cmd->is_string()) {
    error = "missing \"cmd\" (a string)";
    return std::nullopt;
  }
  r.cmd = cmd->get<std::string>();
  if (auto args = j.find("args"); args != j.end()) {
    if (!args->is_array()) {
      error = "\"args\" must be an array of strings";
      return std::nullopt;
    }
    for (const auto& a : *args) {
      if (!a.is_string()) {
        error = "\"args\" must be an array of strings";
        return std::nullopt;
      }
      r.args.push_back(a.get<std::string>());
    }
  }
  if (auto token = j.find("token"); token != j.end() && token->is_string())
    r.token = token->get<std::string>();
  if (auto data = j.find("data"); data != j.end()) r.data = std::move(*data);
  return r;
}

json ok(json body) {
  if (!body.is_object()) body = json{{"result", body}};
  body["ok"] = true;
  return body;
}

json refused(std::string_view why) {
  return json{{"ok", false}, {"error", std::string(why)}};
}

bool needs_token(std::string_view cmd) {
  return cmd == "set" || cmd == "drain" || cmd == "undrain" || cmd == "registrations" ||
         cmd.rfind("peer-", 0) == 0;
}

}  // namespace sipproxy::mgmt
