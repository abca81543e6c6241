#include "mgmt/counter_rates.hpp"

namespace sipproxy::mgmt {

json counter_rates::observe(const json& counters, clock::time_point now) {
  while (!samples_.empty() && now - samples_.front().at > max_age) samples_.pop_front();
  const sample* from = nullptr;
  for (auto it = samples_.rbegin(); it != samples_.rend() && !from; ++it)
    if (now - it->at >= min_gap) from = &*it;
  json out;  // null
  if (from && counters.is_object()) {
    json per_second = json::object();
    double seconds = std::chrono::duration<double>(now - from->at).count();
    for (const auto& [name, value] : counters.items()) {
      auto before = from->counters.find(name);
      if (before == from->counters.end() || !before->is_number_unsigned() ||
          !value.is_number_unsigned())
        continue;
      auto a = before->get<std::uint64_t>();
      auto b = value.get<std::uint64_t>();
      if (b >= a) per_second[name] = static_cast<double>(b - a) / seconds;
    }
    out = json{{"window_s", seconds}, {"per_second", per_second}};
  }
  if (counters.is_object() && (samples_.empty() || now - samples_.back().at >= min_gap)) {
    samples_.push_back(sample{now, counters});
    if (samples_.size() > 2) samples_.pop_front();
  }
  return out;
}

}  // namespace sipproxy::mgmt
