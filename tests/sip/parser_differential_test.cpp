// Our parser against libosip2 over every message kept in the tree: the torture corpus
// (placeholders filled as parser_torture_test.cpp fills them), the sip_message fuzz
// corpus and its regression inputs. Every disagreement must be a known one
// (parser_differential.cpp's table, doc/parser-differential.md).
#include "sip/parser_differential.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace sipproxy::sip {
namespace {

const std::filesystem::path torture_dir = SIPPROXY_TORTURE_DIR;
const std::filesystem::path fuzz_dir = SIPPROXY_FUZZ_DIR;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string fill(std::string text) {
  const std::pair<std::string, std::string> values[] = {
      {"${TRANSPORT}", "UDP"}, {"${CLIENT}", "192.0.2.10:5070"}, {"${UNIQ}", "u1"}};
  for (const auto& [key, value] : values) {
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at))
      text.replace(at, key.size(), value);
  }
  return text;
}

// Every input kept in the tree, by a name that says where it comes from.
std::map<std::string, std::string> inputs() {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(torture_dir / "messages"))
    out["torture/" + e.path().filename().string()] = fill(read_file(e.path()));
  for (const char* dir : {"corpus/sip_message", "regressions/sip_message"}) {
    if (!std::filesystem::exists(fuzz_dir / dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(fuzz_dir / dir)) {
      if (e.path().filename() == "README") continue;
      out[std::string(dir) + "/" + e.path().filename().string()] = read_file(e.path());
    }
  }
  return out;
}

TEST(parser_differential, every_disagreement_is_a_known_one) {
  auto all = inputs();
  ASSERT_GE(all.size(), 70u) << "torture or corpus messages not found";
  for (const auto& [name, bytes] : all) {
    auto d = compare_parsers(bytes);
    for (const auto& f : d.disagreements) {
      const auto* row = classify(d, f);
      if (!row) ADD_FAILURE() << name << ": " << describe(d, f);
      else std::printf("%-60s %s\n", name.c_str(), std::string(row->id).c_str());
    }
  }
}

}  // namespace
}  // namespace sipproxy::sip
