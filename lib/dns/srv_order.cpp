#include "dns/srv_order.hpp"

#include <algorithm>
#include <random>

namespace sipproxy::dns {

std::vector<srv_record> order_srv(std::vector<srv_record> records, const uniform_pick& pick) {
  if (records.size() == 1 && records.front().target.empty()) return {};
  std::erase_if(records, [](const srv_record& r) { return r.target.empty(); });
  std::stable_sort(records.begin(), records.end(), [](const srv_record& a, const srv_record& b) {
    return a.priority < b.priority;
  });

  std::vector<srv_record> out;
  out.reserve(records.size());
  auto group_begin = records.begin();
  while (group_begin != records.end()) {
    auto group_end = std::find_if(group_begin, records.end(), [&](const srv_record& r) {
      return r.priority != group_begin->priority;
    });
    // Weight-0 records first, so that they can be picked only when the draw is 0.
    std::vector<srv_record> group(group_begin, group_end);
    std::stable_partition(group.begin(), group.end(),
                          [](const srv_record& r) { return r.weight == 0; });
    while (!group.empty()) {
      std::uint32_t total = 0;
      for (const auto& r : group) total += r.weight;
      std::uint32_t draw = pick(total);
      std::uint32_t running = 0;
      auto chosen = group.begin();
      for (auto it = group.begin(); it != group.end(); ++it) {
        running += it->weight;
        if (running >= draw) {
          chosen = it;
          break;
        }
      }
      out.push_back(std::move(*chosen));
      group.erase(chosen);
    }
    group_begin = group_end;
  }
  return out;
}

std::vector<srv_record> order_srv(std::vector<srv_record> records) {
  thread_local std::mt19937 engine{std::random_device{}()};
  return order_srv(std::move(records), [](std::uint32_t max) {
    return std::uniform_int_distribution<std::uint32_t>(0, max)(engine);
  });
}

}  // namespace sipproxy::dns
