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

// The Endpoint's SA table as a task sees it (sa_table.hpp implements it). An IKE SA rekey
// (RFC 7296 §1.3.2, §2.18) makes a new IKE SA: the task takes an ID and an SPI of ours here, fills
// the IkeSa completely, then hands it over with adopt(). The table re-reads the SA a task was
// called for after every input; touch() asks the same for any other SA the task changed.
class SaRegistry {
public:
    virtual IkeSaId new_ike_id() = 0;
    virtual std::uint64_t new_ike_spi() = 0;  // nonzero, used by no IKE SA of this Endpoint
    // Indexes `sa` (by its our_spi(), children, peer identity, timers) and keeps it.
    virtual IkeSa& adopt(std::unique_ptr<IkeSa> sa) = 0;
    virtual void touch(IkeSa& sa) = 0;
    virtual IkeSa* find(IkeSaId id) = 0;  // null when unknown or closed

protected:
    ~SaRegistry() = default;
};

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
    SaRegistry* sas = nullptr;  // the Endpoint's table (null only in code that makes no IKE SA)

    void emit(Event e) { events.push_back(std::move(e)); }
    // Adds the non-ESP marker on the NAT-T port (RFC 3948 §2.2).
    void send(const SocketAddress& local, const SocketAddress& remote, const Bytes& message);
    ChildSaId new_child_id() { return ChildSaId{++last_child_id}; }
    Bytes random_bytes(std::size_t n);
};

inline constexpr std::uint16_t natt_port = 4500;

}  // namespace ike::sa
