#include "log/file_sink.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace sipproxy::log {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class file_sink_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("sipproxy-file-sink-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = (dir / "SIPProxy_1").string();
  }
  void TearDown() override { fs::remove_all(dir); }

  std::set<std::string> segments() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string n = e.path().filename().string();
      if (n != "SIPProxy_1") out.insert(n);
    }
    return out;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir;
  std::string path;
  file_sink::clock::time_point t0 = file_sink::clock::time_point{} + 1000h;
};

TEST_F(file_sink_test, without_a_segment_everything_stays_in_one_file) {
  file_sink f(path, {}, {});
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 100; ++i) f.write(std::string(100, 'x') + "\n", t0);
  EXPECT_TRUE(segments().empty());
  EXPECT_EQ(fs::file_size(path), 100u * 101u);
}

TEST_F(file_sink_test, a_full_segment_is_closed_under_a_timestamped_name_and_nothing_is_lost) {
  file_sink f(path, {log_segment::kind::bytes, 1000}, {});
  for (int i = 0; i < 25; ++i) f.write(std::string(99, 'a' + i % 26) + "\n", t0 + i * 1ms);
  auto s = segments();
  EXPECT_EQ(s.size(), 2u);  // 10 lines a segment: 2 closed, 5 lines in the open one
  std::size_t total = fs::file_size(path);
  for (const auto& n : s) {
    EXPECT_LE(fs::file_size(dir / n), 1000u) << n;
    EXPECT_EQ(n.rfind("SIPProxy_1.", 0), 0u) << n;
    total += fs::file_size(dir / n);
  }
  EXPECT_EQ(total, 25u * 100u);
  EXPECT_EQ(read(path).substr(0, 3), "uuu");  // line 21 ('u') opens the third segment
}

TEST_F(file_sink_test, rotations_within_one_millisecond_keep_every_segment) {
  file_sink f(path, {log_segment::kind::bytes, 100}, {});
  for (int i = 0; i < 5; ++i) f.write(std::string(99, 'x') + "\n", t0);
  EXPECT_EQ(segments().size(), 4u);
}

TEST_F(file_sink_test, expire_keeps_the_newest_segments) {
  file_sink f(path, {log_segment::kind::bytes, 100}, {log_expire::kind::segments, 3});
  for (int i = 0; i < 10; ++i)
    f.write(std::to_string(i) + std::string(98, ' ') + "\n", t0 + i * 1s);
  auto s = segments();
  ASSERT_EQ(s.size(), 3u);
  // The newest closed segments hold lines 6, 7, 8; line 9 is in the open file.
  std::string joined;
  for (const auto& n : s) joined += read(dir / n).substr(0, 1);
  EXPECT_EQ(joined, "678");
  EXPECT_EQ(read(path).substr(0, 1), "9");
}

TEST_F(file_sink_test, a_segment_by_hours_closes_when_its_time_is_up) {
  file_sink f(path, {log_segment::kind::hours, 1}, {});
  auto start = file_sink::clock::now();
  f.write("first\n", start);
  f.write("same hour\n", start + 59min);
  EXPECT_TRUE(segments().empty());
  f.write("next hour\n", start + 61min);
  ASSERT_EQ(segments().size(), 1u);
  EXPECT_EQ(read(dir / *segments().begin()), "first\nsame hour\n");
  EXPECT_EQ(read(path), "next hour\n");
}

TEST_F(file_sink_test, expire_by_days_removes_older_segments_only) {
  // Two closed segments from before: one 3 days old, one of today.
  std::ofstream(dir / "SIPProxy_1.20200101_000000_000") << "old\n";
  std::ofstream(dir / "SIPProxy_1.20200102_000000_000") << "recent\n";
  std::ofstream(dir / "SIPProxy_1.notes") << "not a segment\n";
  fs::last_write_time(dir / "SIPProxy_1.20200101_000000_000",
                      fs::file_time_type::clock::now() - 72h);
  file_sink f(path, {log_segment::kind::bytes, 100}, {log_expire::kind::days, 2});
  f.write(std::string(99, 'x') + "\n", t0);
  f.write(std::string(99, 'y') + "\n", t0 + 1s);  // rotates, then expires
  auto s = segments();
  EXPECT_FALSE(s.count("SIPProxy_1.20200101_000000_000"));
  EXPECT_TRUE(s.count("SIPProxy_1.20200102_000000_000"));
  EXPECT_TRUE(s.count("SIPProxy_1.notes"));
}

TEST_F(file_sink_test, an_unwritable_path_is_reported) {
  file_sink f((dir / "missing" / "x").string(), {}, {});
  EXPECT_FALSE(f.ok());
  f.write("nothing\n");  // harmless
}

}  // namespace
}  // namespace sipproxy::log
