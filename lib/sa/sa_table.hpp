// The Endpoint's table of IKE SAs and the indexes that keep every per-datagram, per-timeout and
// per-command path O(log N) in the number of SAs held: by our SPI, by (peer, SPIi) for repeated
// IKE_SA_INIT requests, by child SA, by peer identity and address, by timer deadline, and the
// half-open counts (overall and per source address) that the DoS limits read.
//
// The indexes are derived from the SAs themselves. Tasks change an IkeSa freely (state,
// children, timers) without knowing about the table; after each input the Endpoint calls
// settle(), which re-reads only the SAs that input touched and removes the ones that closed.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/rng.hpp"
#include "ike/endpoint.hpp"
#include "sa/context.hpp"
#include "sa/ike_sa.hpp"

namespace ike::sa {

class SaTable final : public SaRegistry {
public:
    // `recent_hold`: how long a responder remembers the (peer, SPIi) of an IKE_SA_INIT it
    // answered after the SA is gone, so a late copy of that request does not start a new one.
    SaTable(crypto::Rng& rng, Duration recent_hold);

    // --- SaRegistry: what tasks may ask ---
    IkeSaId new_ike_id() override;
    std::uint64_t new_ike_spi() override;
    IkeSa& adopt(std::unique_ptr<IkeSa> sa) override;
    void touch(IkeSa& sa) override;
    IkeSa* find(IkeSaId id) override;

    // --- the Endpoint ---
    // A responder SA made by an IKE_SA_INIT request: also indexed by (init_remote, spi_i).
    IkeSa& insert_responder(std::unique_ptr<IkeSa> sa);
    IkeSa* by_spi(std::uint64_t our_spi);
    IkeSa* by_init(const SocketAddress& peer, std::uint64_t spi_i);
    bool recently_closed_init(const SocketAddress& peer, std::uint64_t spi_i) const;
    IkeSa* child_owner(ChildSaId child);
    // Live SAs with this peer identity: authenticated, or expected by an initiation of ours.
    std::vector<IkeSa*> with_identity(const Identity& id);
    bool any_with_identity(const Identity& id) const;
    bool any_with_address(const IpAddress& peer) const;

    std::size_t half_open() const { return m_half_open; }  // responder SAs waiting for IKE_AUTH
    std::size_t half_open_from(const IpAddress& source) const;

    // The SAs whose deadline (sa_deadline) is at or before `now`, earliest first.
    std::vector<IkeSaId> due(Time now) const;
    std::optional<Time> next_deadline() const;
    // Every live SA's ID (update_policy rechecks them all: inherently O(N)).
    std::vector<IkeSaId> ids() const;

    // Re-reads the SAs touched since the last call (indexes, deadline, counts) and removes the
    // closed ones. `ctx` gives the configuration and `now`.
    void settle(const Context& ctx);
    StateCounts counts() const;

private:
    struct Entry {
        std::unique_ptr<IkeSa> sa;
        // What the indexes hold for this SA, to undo on the next refresh.
        std::optional<Time> deadline;
        std::optional<std::string> identity;
        std::optional<IpAddress> address;
        std::optional<IpAddress> half_open_source;
        bool unauthenticated = false;
        bool by_init = false;
        bool dirty = false;
        std::vector<ChildSaId> children;
    };
    using InitKey = std::pair<SocketAddress, std::uint64_t>;

    IkeSa& insert(std::unique_ptr<IkeSa> sa, bool by_init);
    void mark(Entry& e);
    void refresh(Entry& e, const Context& ctx);
    void unindex(Entry& e);
    void set_children(Entry& e, std::vector<ChildSaId> now_held);
    void remember_init(const InitKey& key, Time until);
    Entry* entry(std::uint64_t id);

    crypto::Rng& m_rng;
    Duration m_recent_hold;
    std::uint64_t m_last_id = 0;
    std::unordered_map<std::uint64_t, Entry> m_sas;                // by IkeSaId
    std::unordered_map<std::uint64_t, std::uint64_t> m_by_spi;     // our IKE SPI -> IkeSaId
    std::map<InitKey, std::uint64_t> m_by_init;                    // responder: (peer, SPIi) -> IkeSaId
    std::map<InitKey, Time> m_recent_init;                         // gone responder SAs, until a time
    std::deque<std::pair<Time, InitKey>> m_recent_expiry;          // the same, oldest first
    std::unordered_map<std::uint64_t, std::uint64_t> m_children;   // ChildSaId -> IkeSaId
    std::map<std::string, std::set<std::uint64_t>> m_by_identity;  // identity key -> IkeSaIds
    std::map<IpAddress, std::size_t> m_by_address;                 // peer IP -> live SAs
    std::map<IpAddress, std::size_t> m_half_open_by_source;
    std::set<std::pair<Time, std::uint64_t>> m_deadlines;
    std::vector<std::uint64_t> m_dirty;
    std::size_t m_half_open = 0;
    std::size_t m_unauthenticated = 0;
    std::size_t m_child_sas = 0;
};

}  // namespace ike::sa
