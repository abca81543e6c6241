// libFuzzer target: TCP stream framing (RFC 3261 §18.3). Every frame it reports must lie
// within the buffer, and consuming frames must always make progress.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/stream_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int guard = 0; guard < 100000 && !rest.empty(); ++guard) {
    auto f = sipproxy::sip::next_frame(rest, 65535);
    if (f.what == sipproxy::sip::frame::kind::need_more ||
        f.what == sipproxy::sip::frame::kind::error)
      return 0;
    if (f.length == 0 || f.length > rest.size()) std::abort();
    rest.remove_prefix(f.length);
  }
  return 0;
}
