// The memory RFC 7383 reassembly holds: each IKE SA's incomplete messages (FragmentState) and
// the endpoint's budget over all of them (ReassemblyBudget), with its caps per peer address and
// in total and the eviction of the oldest incomplete message when one is full.
#pragma once

#include <algorithm>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/secret.hpp"
#include "ike/types.hpp"
#include "wire/types.hpp"

namespace ike::sa {

class FragmentState;
struct PartialMessage;

// Who holds one incomplete message: the endpoint's budget keeps these oldest first.
struct BudgetHolder {
    FragmentState* owner = nullptr;
    bool response = false;
    const PartialMessage* message = nullptr;
};
using BudgetHolders = std::list<BudgetHolder>;

// One message being reassembled: fragments kept by number, already decrypted.
struct PartialMessage {
    std::uint32_t message_id = 0;
    std::uint16_t total = 0;
    wire::ExchangeType exchange{};
    wire::PayloadType first_inner = wire::PayloadType::none;
    std::vector<crypto::SecureBytes> pieces;  // index: Fragment Number - 1
    std::vector<bool> have;
    std::size_t received = 0;
    std::size_t bytes = 0;  // accounted against the SA's and the endpoint's caps
    std::size_t largest_datagram = 0;  // of its fragments (IKE message octets)
    IpAddress source;  // the peer's address: the per-source cap
    Time started{};    // its first fragment: "oldest" for eviction
    Time last{};       // its latest fragment: the reassembly timeout
    std::optional<BudgetHolders::iterator> held;  // its entry in the budget, once it holds bytes
};

// Bytes held by every reassembly of one endpoint, and who holds them, oldest first.
//
// Why eviction and not a reservation: ~256 half-open SAs (below the cookie threshold, from a
// handful of addresses) that each hold max_reassembly_bytes of a message they never complete
// would fill max_reassembly_total, and every fragmented IKE_AUTH after them would be dropped.
// A reservation per address cannot help against many addresses. Evicting the oldest incomplete
// message can: an attacker's messages never complete, so they grow old, while an honest one
// completes within a round trip; to push an honest message out the attacker has to send a whole
// max_reassembly_total of authenticated fragments (each half-open SA cost it an IKE_SA_INIT)
// within that round trip. The per-source cap (evicting that address's own oldest first) keeps a
// single address from being the one that fills everything.
class ReassemblyBudget {
public:
    ReassemblyBudget() = default;
    ReassemblyBudget(const ReassemblyBudget&) = delete;
    ReassemblyBudget& operator=(const ReassemblyBudget&) = delete;

    std::size_t used() const { return m_used; }
    std::size_t used_by(const IpAddress& source) const;
    std::size_t messages() const { return m_holders.size(); }

    // Room for `cost` more octets of `p` (held by `owner`): the oldest other incomplete messages
    // of p's source are evicted while that source would exceed `per_source`, then the oldest of
    // any source while the endpoint would exceed `total`. False: `p` cannot get the room (the
    // caps are smaller than the cost); nothing is evicted then. Returns the messages evicted.
    std::optional<std::size_t> make_room(const PartialMessage& p, std::size_t cost, std::size_t per_source,
                                         std::size_t total);

private:
    friend class FragmentState;
    void add(FragmentState* owner, bool response, PartialMessage& p, std::size_t n);
    void remove(PartialMessage& p);

    BudgetHolders m_holders;  // in the order their messages started: oldest first
    std::map<IpAddress, std::size_t> m_by_source;
    std::size_t m_used = 0;
};

// The reassembly state of one IKE SA: at most one request of the peer's and one response to
// our outstanding request (both windows have size 1). Gives its bytes back to the endpoint's
// budget when the SA goes. Two null pointers while nothing is fragmented: every IKE SA has one.
class FragmentState {
public:
    FragmentState() = default;
    FragmentState(const FragmentState&) = delete;
    FragmentState& operator=(const FragmentState&) = delete;
    FragmentState(FragmentState&& o) noexcept;
    FragmentState& operator=(FragmentState&& o) noexcept;
    ~FragmentState();

    std::unique_ptr<PartialMessage>& slot(bool response) { return response ? m_response : m_request; }
    std::size_t bytes() const;
    void bind(ReassemblyBudget* budget) { m_budget = budget; }
    ReassemblyBudget* budget() const { return m_budget; }
    void discard(bool response);
    void account(bool response, std::size_t n);  // adds n to the slot's and the budget's bytes
    // The earliest latest-fragment time of its messages (for the reassembly timeout).
    std::optional<Time> quiet_since() const;
    // The smallest "largest fragment" of the peer's fragmented requests (IKE message octets):
    // what came through the path, so our answers are fragmented no larger (RFC 7383 §2.5.2).
    std::size_t peer_datagram() const { return m_peer_datagram; }
    void saw_peer_datagram(std::size_t n) { m_peer_datagram = m_peer_datagram == 0 ? n : std::min(m_peer_datagram, n); }

private:
    void release_all();
    void rebind();
    std::unique_ptr<PartialMessage> m_request, m_response;
    ReassemblyBudget* m_budget = nullptr;
    std::size_t m_peer_datagram = 0;
};

}  // namespace ike::sa
