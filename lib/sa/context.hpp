// What every exchange task may touch outside its IKE SA: configuration, injected services,
// the output queues, counters and the current time. Tasks never call back into the caller.
#pragma once

#include <deque>

#include "crypto/rng.hpp"
#include "ike/config.hpp"
#include "ike/endpoint.hpp"
#include "ike/events.hpp"
#include "sa/ike_sa.hpp"

namespace ike::sa {

struct Context {
    const Config& config;
    crypto::Rng& rng;
    SpiAllocator& spis;
    const CertificateVerifier& verifier;
    std::deque<Transmit>& transmits;
    std::deque<Event>& events;
    Counters& counters;
    std::uint64_t& last_child_id;
    Time now;
    ReassemblyBudget* reassembly = nullptr;  // RFC 7383 reassembly bytes of the whole endpoint

    void emit(Event e) { events.push_back(std::move(e)); }
    // Adds the non-ESP marker on the NAT-T port (RFC 3948 §2.2).
    void send(const SocketAddress& local, const SocketAddress& remote, const Bytes& message);
    ChildSaId new_child_id() { return ChildSaId{++last_child_id}; }
    Bytes random_bytes(std::size_t n);
};

inline constexpr std::uint16_t natt_port = 4500;

}  // namespace ike::sa
