// What one Endpoint has told its caller, checked event by event: every Down matches an earlier
// Up, handles are never reused, a child SA belongs to a live IKE SA, SPIs are ones the
// allocator handed out. Violations abort with a message (see fail()).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "ike/config.hpp"
#include "ike/endpoint.hpp"
#include "ike/events.hpp"

namespace fuzz_engine {

[[noreturn]] void fail(const char* format, ...) __attribute__((format(printf, 1, 2)));
#define FUZZ_REQUIRE(cond, ...)            \
    do {                                   \
        if (!(cond)) ::fuzz_engine::fail(__VA_ARGS__); \
    } while (0)

// A deterministic SPI allocator that refuses to be misused: releasing an SPI that is not live
// (a double release, or one never handed out) is a finding.
struct SpiPool {
    std::uint32_t next = 0x1000;
    std::set<std::uint32_t> live;
    int side = 0;
};
std::unique_ptr<ike::SpiAllocator> make_allocator(SpiPool& pool);

class EventLog {
public:
    EventLog(int side, const ike::Config& config, const SpiPool& spis) : m_side(side), m_config(config), m_spis(spis) {}

    void on(const ike::Event& e);
    // initiate() returned this id: it comes up, or (an additional child the peer refused) goes
    // down once with negotiation_failed and no SPIs, never both.
    void on_initiated(ike::ChildSaId id) { m_initiated.insert(id.value); }
    // initiate() ids neither up nor failed yet (an upper bound: those of an IKE SA that failed
    // as a whole are never reported one by one)
    std::size_t pending_initiations() const { return m_initiated.size(); }

    struct Child {
        ike::ChildSaUp up;
        std::uint64_t ike = 0;
        bool moved = false;  // its IKE SA was rekeyed: a later Down may name the new one
        bool down = false;
    };
    struct Ike {
        bool up = false;
        bool down = false;
    };
    const std::map<std::uint64_t, Child>& children() const { return m_children; }
    const std::map<std::uint64_t, Ike>& ikes() const { return m_ikes; }
    std::size_t live_children() const { return m_live_children; }
    std::size_t live_ikes() const { return m_live_ikes; }
    std::vector<ike::ChildSaId> child_ids;  // every child SA ever reported, in order
    std::vector<ike::IkeSaId> ike_ids;       // every IKE SA ever reported, in order
    std::vector<ike::IkeKeysExported> new_keys;  // drained by the world

private:
    void on_ike_up(const ike::IkeSaUp& e);
    void on_ike_down(const ike::IkeSaDown& e);
    void on_child_up(const ike::ChildSaUp& e);
    void on_child_down(const ike::ChildSaDown& e);
    void on_peer_moved(const ike::PeerAddressChanged& e);
    void on_rekey_failed(const ike::RekeyFailed& e);

    int m_side;
    const ike::Config& m_config;
    const SpiPool& m_spis;
    std::map<std::uint64_t, Child> m_children;
    std::map<std::uint64_t, Ike> m_ikes;
    std::set<std::uint64_t> m_initiated;  // ids initiate() returned that have neither come up nor failed
    std::set<std::uint64_t> m_failed;     // ids whose negotiation failed (never to come up)
    std::size_t m_live_children = 0;
    std::size_t m_live_ikes = 0;
};

// a and b are the two ends of one child SA pair (mirrored SPIs): their keys, algorithms, mode
// and selectors must agree.
void check_pair(const ike::ChildSaUp& a, const ike::ChildSaUp& b);

}  // namespace fuzz_engine
