#include "mgmt/counter_rates.hpp"

namespace sipproxy::mgmt {

json counter_rates::observe(const json& counters, clock::time_point now) {
  while (!samples_.empty() && now - samples_.front().at > window) samples_.pop_front();
  json out;  // null
  if (!samples_.empty() && counters.is_object()) {
    const sample& from = samples_.front();
    double seconds = std::chrono::duration<double>(now - from.at).count();
    if (seconds > 0) {
      json per_second = json::object();
      for (const auto& [name, value] : counters.items()) {
        auto before = from.counters.find(name);
        if (before == from.counters.end() || !before->is_number_unsigned() ||
            !value.is_number_unsigned())
          continue;
        auto a = before->get<std::uint64_t>();
        auto b = value.get<std::uint64_t>();
        if (b >= a) per_second[name] = static_cast<double>(b - a) / seconds;
      }
      out = json{{"window_s", seconds}, {"per_second", per_second}};
    }
  }
  if (counters.is_object() && (samples_.empty() || now - samples_.back().at >= min_gap))
    samples_.push_back(sample{now, counters});
  return out;
}

}  // namespace sipproxy::mgmt
