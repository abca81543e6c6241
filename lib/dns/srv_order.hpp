// RFC 2782 target selection order: lowest priority first; within one priority, a
// weighted random order in which each record's chance of coming next is its weight over
// the remaining total (records of weight 0 have a small chance, by being placed first in
// the running sum). Pure: the randomness comes in as a function.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "dns/records.hpp"

namespace sipproxy::dns {

// Returns a uniformly chosen integer in [0, max] (inclusive).
using uniform_pick = std::function<std::uint32_t(std::uint32_t max)>;

// The records in the order a client should try them. A single record whose target is
// empty (".") means "service not available here" and yields an empty list.
std::vector<srv_record> order_srv(std::vector<srv_record> records, const uniform_pick& pick);

// The same with a process-wide random engine.
std::vector<srv_record> order_srv(std::vector<srv_record> records);

}  // namespace sipproxy::dns
