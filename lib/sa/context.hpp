// What every exchange task may touch outside its IKE SA: configuration, injected services,
// the output queues, counters and the current time. Tasks never call back into the caller.
#pragma once

#include <deque>
#include <memory>

#include "crypto/rng.hpp"
#include "ike/config.hpp"
#include "ike/endpoint.hpp"
#include "ike/events.hpp"
#include "sa/ike_sa.hpp"

namespace ike::sa {

// The endpoint's table of IKE SAs as an IKE SA rekey (task_ike_rekey.cpp) needs it: the new SA
// gets an ID and an SPI unused in the table, and is indexed at once so the next datagram finds it.
class IkeSaTable {
public:
    virtual std::uint64_t new_ike_spi() = 0;
    virtual IkeSaId new_ike_id() = 0;
    virtual IkeSa* find_ike(IkeSaId id) = 0;  // null when gone or closed
    virtual IkeSa& adopt(std::unique_ptr<IkeSa> sa) = 0;
    virtual ~IkeSaTable() = default;
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
    IkeSaTable* table = nullptr;  // null: no IKE SA rekey possible (then it is refused)

    void emit(Event e) { events.push_back(std::move(e)); }
    // Adds the non-ESP marker on the NAT-T port (RFC 3948 §2.2).
    void send(const SocketAddress& local, const SocketAddress& remote, const Bytes& message);
    ChildSaId new_child_id() { return ChildSaId{++last_child_id}; }
    Bytes random_bytes(std::size_t n);
};

inline constexpr std::uint16_t natt_port = 4500;

}  // namespace ike::sa
