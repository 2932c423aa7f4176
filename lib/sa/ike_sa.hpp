// One IKE SA: its explicit state machine, negotiated parameters, keys, child SAs and message
// window. Plain data plus transition(); the exchanges (task_*.cpp) read and commit to it.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "crypto/auth_sig.hpp"
#include "crypto/ke.hpp"
#include "crypto/key_schedule.hpp"
#include "crypto/sk_payload.hpp"
#include "ike/config.hpp"
#include "ike/events.hpp"
#include "ike/expected.hpp"
#include "ike/types.hpp"
#include "ike/verifier.hpp"
#include "sa/fragments.hpp"
#include "sa/message_window.hpp"

namespace ike::sa {

enum class State : std::uint8_t {
    init_sent,      // initiator: IKE_SA_INIT request outstanding
    init_answered,  // responder: IKE_SA_INIT answered, waiting for IKE_AUTH (half-open)
    auth_sent,      // initiator: IKE_AUTH request outstanding
    established,
    deleting,       // our DELETE (or AUTHENTICATION_FAILED) request outstanding
    closed,         // to be removed by the endpoint
};
std::string_view to_string(State s);

// How an IKE SA comes to exist: the only states it may start in (every later state is reached
// through IkeSa::transition()).
enum class Birth : std::uint8_t {
    initiator,  // init_sent: our IKE_SA_INIT request is about to go out
    responder,  // init_answered: we answered an IKE_SA_INIT request
    rekeyed,    // established: made by an IKE SA rekey (RFC 7296 §2.18), authenticated by its parent
};

// A state change the machine forbids (see the table in ike_sa.cpp). Never ignored: the caller
// closes the SA (tasks.hpp enter()).
struct IllegalTransition {
    State from;
    State to;
};

struct ChildSa {
    ChildSaId id;
    std::uint64_t tag = 0;
    std::uint32_t inbound_spi = 0;   // ours
    std::uint32_t outbound_spi = 0;  // the peer's
    Mode mode = Mode::tunnel;
    // What a rekey repeats, and its rekey state (task_child_sa.cpp, RFC 7296 §1.3.3, §2.8).
    crypto::EspSuite suite{};
    bool esn = false;
    TrafficSelectors local_ts, remote_ts;
    Time rekey_at = Time::max();           // rekey on time (soft lifetime minus jitter)
    bool rekeying = false;                 // our rekey of it is queued or in flight
    std::optional<ChildSaId> replaced_by;  // a rekey replaced it: it waits for its DELETE
    Bytes peer_rekey_nonce;                // the peer rekeyed it while we did: the lower nonce of that exchange
    bool redundant = false;                // lost a rekey collision (§2.8.1): its creator deletes it
};

// The child SA an initiator asks for in IKE_AUTH.
struct ChildRequest {
    ChildSaId id;
    std::uint64_t tag = 0;
    std::uint32_t inbound_spi = 0;
    TrafficSelectors local_ts;
    TrafficSelectors remote_ts;
    Mode mode = Mode::tunnel;
    // false: a child libike asks for on its own (the replacement of one the peer no longer had,
    // CHILD_SA_NOT_FOUND): the embedder never saw its id, so its failure is not reported (the
    // child it replaces was reported down already); its success is a ChildSaUp like any other.
    bool announced = true;
};

// Our CREATE_CHILD_SA request in flight (task_child_sa.cpp): a new child or the rekey of one.
struct ChildExchange {
    ChildRequest request;             // the child being made: id, tag, our inbound SPI, TS, mode
    std::optional<ChildSaId> rekeys;  // set for a rekey (§1.3.3)
    Bytes nonce;                      // our Ni
    std::unique_ptr<crypto::KeyExchange> ke;  // PFS
    unsigned ke_retries = 0;          // INVALID_KE_PAYLOAD retries (one)
    bool own_group_retry = false;     // a refused rekey retried with only the IKE SA's KE group
};

// A child SA the peer made for a CREATE_CHILD_SA answer we refused (e.g. selectors outside its
// certificate): DELETEd so the peer does not keep it; our inbound SPI is held until then.
struct RefusedChild {
    ChildSaId id;  // internal: names the DELETE request, never reported
    std::uint32_t inbound_spi = 0;
};

// A CREATE_CHILD_SA we retry later, after TEMPORARY_FAILURE (§2.25).
struct DeferredChild {
    RequestKind kind{};
    ChildSaId child{};
    Time at{};
};
struct IkeRekey;  // task_ike_rekey.cpp: our CREATE_CHILD_SA rekeying this IKE SA, and its retries

struct IkeSa {
    explicit IkeSa(Birth birth = Birth::initiator);

    IkeSaId id;
    crypto::Role role = crypto::Role::Initiator;
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    SocketAddress local;
    SocketAddress remote;
    SocketAddress init_remote;  // where the IKE_SA_INIT request came from (responder's index key)

    // IKE_SA_INIT
    crypto::IkeSuite suite{};
    std::unique_ptr<crypto::KeyExchange> ke;
    Bytes nonce_i, nonce_r;
    Bytes init_request, init_response;  // exactly as sent and received: the AUTH octets sign them
    Bytes cookie;
    unsigned init_retries = 0;
    std::vector<crypto::HashAlgorithm> peer_hashes;
    NatInfo nat;
    bool fragmentation = false;  // RFC 7383 §2.3: both sides sent IKEV2_FRAGMENTATION_SUPPORTED

    // Keys (after IKE_SA_INIT)
    std::optional<crypto::IkeSaKeys> keys;
    std::optional<crypto::SkProtector> protector;
    std::optional<crypto::SkUnprotector> unprotector;

    // IKE_AUTH
    std::optional<Identity> expected_peer_id;
    std::optional<Identity> peer_id;
    Time peer_not_after{};
    std::optional<ChildRequest> first_child;
    std::vector<ChildSa> children;
    TrafficSelectors peer_allowed;               // the peer certificate's RFC 3779 blocks
    std::vector<ChildRequest> child_requests;    // additional children waiting for their CREATE_CHILD_SA
    std::optional<ChildExchange> child_exchange;  // our CREATE_CHILD_SA for a child SA, in flight
    std::vector<DeferredChild> deferred_children;
    std::vector<RefusedChild> refused_children;    // to DELETE at the peer
    unsigned child_temporary_failures = 0;        // in a row; reset by any CREATE_CHILD_SA that works

    std::shared_ptr<const PeerFacts> peer_facts;  // not its certificates: update_policy() re-checks these
    bool send_initial_contact = true;   // false when we already have an IKE SA with this peer
    bool peer_initial_contact = false;  // the endpoint then closes older SAs with this peer
    bool down_emitted = false;          // IkeSaDown already reported

    // IKE SA rekey and lifetime (task_ike_rekey.cpp, RFC 7296 §2.8, §2.18)
    std::shared_ptr<IkeRekey> rekey;       // null until a rekey was tried
    std::optional<Time> rekey_at;          // set when established: the lifetime minus jitter
    std::optional<IkeSaId> rekeyed_to;     // the children moved there; this SA only waits to go
    std::optional<Time> forget_at;         // an SA the peer should delete: closed silently by then

    MessageWindow window;
    FragmentState fragments;  // RFC 7383 reassembly
    std::optional<FragmentedRequest> fragmented_request;  // RFC 7383 §2.5.2 fallback (fragments.cpp)
    std::size_t path_fragment_limit = 0;  // a smaller datagram size a fallback found (0: Limits::fragment_size)
    Time last_heard{};
    Time half_open_deadline{};
    Time began{};     // its first IKE_SA_INIT (sent or received); a rekey's heir: made
    Time up_since{};  // established (a rekey's heir: its rekey done)

    std::uint64_t our_spi() const { return role == crypto::Role::Initiator ? spi_i : spi_r; }
    bool initiator() const { return role == crypto::Role::Initiator; }
    bool authenticated() const { return m_state == State::established || m_state == State::deleting; }
    State state() const { return m_state; }
    ChildSa* find_child(ChildSaId c);
    ChildSa* find_child_by_outbound(std::uint32_t spi);
    const RefusedChild* find_refused(ChildSaId c) const;
    // The single place a state changes: a move the machine forbids changes nothing and is
    // returned as an error the caller must handle.
    [[nodiscard]] Expected<void, IllegalTransition> transition(State to);
    // transition(State::closed), which the table allows from every state but closed itself;
    // closing a closed SA changes nothing.
    void close();
    // After every input (SaTable::refresh): an authenticated SA drops what only its handshake
    // or an exchange being processed needs, keeping what a live SA needs (issue 14): the KE
    // object, the IKE_SA_INIT messages and nonces (AUTH's octets), a COOKIE, the peer's hash
    // algorithms, SK_e/SK_a/SK_p (the SK payload ciphers hold their own copy) go; the ciphers'
    // key schedules go until the next message. SK_d stays (child SA and IKE SA rekeys).
    void shed_handshake_state();

private:
    State m_state;
};

}  // namespace ike::sa
