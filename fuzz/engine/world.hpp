// Two Endpoints (node0 at 192.0.2.1, node1 at 192.0.2.2, optionally node0 behind a NAT), the
// datagrams in flight between them, a virtual clock, and the invariants checked after every
// operation. The fuzz target and the corpus generator both drive a World.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/rng.hpp"
#include "event_log.hpp"
#include "ike/endpoint.hpp"
#include "program.hpp"

namespace fuzz_engine {

using Bytes = std::vector<std::uint8_t>;

struct Datagram {
    int to = 0;                  // receiving side
    ike::SocketAddress local;    // as the receiver sees it: its own address
    ike::SocketAddress remote;   // the source, after NAT
    Bytes data;                  // with the non-ESP marker on port 4500
};

class World {
public:
    explicit World(std::uint8_t config);
    ~World();

    // One operation of a program; reads its arguments from `in`.
    void step(Op op, Reader& in);
    // Deletes everything, delivers every datagram and fires every timer until both endpoints
    // are idle, then requires that nothing is left: no SA, no SPI, no Up without its Down.
    void settle();

    std::size_t pending() const { return m_pending.size(); }
    const Datagram& pending_at(std::size_t k) const { return m_pending[k]; }
    ike::Time now() const { return m_now; }
    const EventLog& log(int side) const { return *m_sides[static_cast<std::size_t>(side)].log; }

    static constexpr std::size_t max_datagram = 4096;  // nothing we send is ever larger

private:
    struct Side {
        ike::Config config;
        SpiPool spis;
        std::unique_ptr<ike::Endpoint> ep;
        std::unique_ptr<EventLog> log;
        ike::Counters last{};
        ike::IpAddress ip;
        unsigned initiated = 0;
        std::uint64_t sent = 0, received = 0, ike_ups = 0, child_ups = 0, auth_failures = 0;
    };
    struct Keys {
        ike::crypto::IkeSuite suite{};
        Bytes sk_ei, sk_er, sk_ai, sk_ar;
    };

    void deliver(Datagram d);
    void take(std::size_t k, Datagram& out);
    void drain(int side);
    void route(int from, ike::Transmit t);
    void check(int side);
    void timeout(int side);
    void initiate(int side, std::uint8_t variant);
    void update_policy(int side, std::uint8_t variant);
    void inject(int side, std::uint8_t flags, Bytes data);
    std::optional<Bytes> reencrypt(const Datagram& d, std::uint8_t how, std::uint16_t pos, std::uint8_t value);

    std::uint8_t m_config;
    bool m_nat;
    std::array<Side, 2> m_sides;
    std::deque<Datagram> m_pending;
    std::deque<Datagram> m_history;  // recently delivered, for replays
    std::map<std::pair<std::uint64_t, std::uint64_t>, Keys> m_keys;  // by (SPIi, SPIr)
    std::unique_ptr<ike::crypto::Rng> m_rng;  // for re-encryption IVs
    ike::Time m_now;
    // A re-sealed datagram was delivered: someone holding the SK keys spoke for a peer, so the
    // two ends may rightly disagree (e.g. narrowed selectors, nonces); pairs are not compared.
    bool m_forged = false;
};

// Applies a byte-level mutation to `data` (flip, set, insert, truncate, erase, ...).
void mutate_bytes(Bytes& data, std::uint8_t how, std::uint16_t pos, std::uint8_t value);

}  // namespace fuzz_engine
