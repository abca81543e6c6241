// Socket settings shared by the UDP and TCP transports.
#pragma once

namespace sipproxy::transport {

// Sets the IP TOS byte (IPv6: traffic class) from sip-ip-tos; 256 leaves the OS default.
// Logs, once per process, when the OS refuses it. Returns false when refused.
bool apply_tos(int fd, bool v4, int tos);

}  // namespace sipproxy::transport
