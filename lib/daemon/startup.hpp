// Startup, one step per function, in the order daemon::server calls them: build the
// objects, bind the listeners, start the services. Each step throws startup_error when
// the instance cannot serve (a name that does not resolve, a port that cannot be bound).
#pragma once

namespace sipproxy::daemon {

struct instance;

// The SIP Server pairs (resolved), this instance's Via/Record-Route identity and the
// Record-Route MAC key.
void build_routing(instance& m);
// The event loop's timer driver, the transport, the transaction layer, the pair selector,
// the health prober and the DNS resolver.
void build_layers(instance& m);
// The shared bindings and session affinities, and what shares them: the peer links
// (shared-storage = peers) or Redis; the other instances as SIP next hops.
void build_shared_state(instance& m);
// The proxy core, as the transaction layer's user.
void build_core(instance& m);
// A joining or restarted instance takes the pool's state before it serves.
void sync_shared_state(instance& m);
// UDP and TCP on sip-port (and TLS on sip-tls-port).
void bind_sip(instance& m);
// The management port (sipproxyctl, the peer links) and the HTTP port.
void bind_management(instance& m);
// Feature servers, host-name refresh, health probes, peer links, housekeeping.
void start_services(instance& m);
// Event 40001: what this instance serves, and where.
void log_initialized(const instance& m);

}  // namespace sipproxy::daemon
