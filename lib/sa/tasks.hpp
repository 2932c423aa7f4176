// The exchanges of an IKE SA, one concern per file (strongSwan-task style):
//   task_ike_init.cpp     IKE_SA_INIT both roles (proposals, KE, nonces, INVALID_KE, COOKIE)
//   task_nat_detect.cpp   NAT_DETECTION_*_IP (RFC 7296 §2.23)
//   task_certs.cpp        CERT / CERTREQ and peer verification + authorisation
//   task_auth.cpp         IKE_AUTH both roles (RFC 7427 signatures)
//   task_child_create.cpp the first child SA (SA, TSi/TSr narrowing, KEYMAT, ChildSaUp)
//   task_delete.cpp       INFORMATIONAL: DELETE, AUTHENTICATION_FAILED, closing an SA
//   task_liveness.cpp     liveness checks and dead-peer detection
//   task_child_sa.cpp     CREATE_CHILD_SA for child SAs: additional ones and rekeys (issue 7)
//   child_collision.cpp   their collisions: nonce rule, TEMPORARY_FAILURE, CHILD_SA_NOT_FOUND
//   task_ike_rekey.cpp    CREATE_CHILD_SA rekeying the IKE SA itself (issue 7)
//   exchange.cpp          request/response plumbing shared by all of them
#pragma once

#include <optional>
#include <span>

#include "sa/context.hpp"
#include "sa/ike_sa.hpp"
#include "wire/message.hpp"

namespace ike::sa {

using Payloads = std::vector<wire::Payload>;

// A received datagram with its addresses (the IKE message, without the non-ESP marker).
struct Received {
    std::span<const std::uint8_t> datagram;
    const wire::Message& message;
    SocketAddress local;
    SocketAddress remote;
};

// --- exchange.cpp ---
// Why a request was not sent.
enum class SendError : std::uint8_t {
    ids_exhausted,   // RFC 7296 §2.2: no Message ID left (they never wrap)
    cannot_protect,  // no keys, or the crypto layer refused (e.g. the IV space is exhausted)
};
std::string_view to_string(SendError e);
// Sends a request of `kind` now (the window must be idle).
Expected<void, SendError> send_request(Context& ctx, IkeSa& sa, QueuedRequest kind, wire::ExchangeType exchange,
                                       const Payloads& inner);
// Moves `sa` to `to` through IkeSa::transition(). A move the machine refuses is a bug in a task:
// it asserts in debug builds, and otherwise closes the SA with IkeSaDown (negotiation_failed,
// the detail naming the refused move) instead of running on in a state nobody planned for.
// False then: the caller stops handling the SA.
[[nodiscard]] bool enter(Context& ctx, IkeSa& sa, State to);
// Answers the request being processed, and caches the answer for retransmissions.
void respond(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
// Starts the next queued INFORMATIONAL if the window is idle.
void pump_requests(Context& ctx, IkeSa& sa);
// The decrypted content of a protected message, checked against the exchange table; nullopt
// when it is malformed (then reject_malformed has dealt with it).
std::optional<Payloads> checked_content(Context& ctx, IkeSa& sa, const Received& rx,
                                        Expected<Payloads, wire::DecodeError> inner);
// An authentic (ICV verified) but malformed message: counted as a protected decode error; a
// request is answered with `n` (RFC 7296 §2.5, §2.21.2, §2.21.3), a response dropped.
void reject_malformed(Context& ctx, IkeSa& sa, const Received& rx, wire::Notify n);
// UNSUPPORTED_CRITICAL_PAYLOAD with the payload type as data (§2.5), else INVALID_SYNTAX.
wire::Notify malformed_notify(const wire::DecodeError& e);
// Processes a message of an existing SA (window checks, decryption, dispatch).
void handle_message(Context& ctx, IkeSa& sa, const Received& rx);
// Retransmissions, give-ups, half-open expiry, liveness.
void handle_sa_timeout(Context& ctx, IkeSa& sa);
std::optional<Time> sa_deadline(const Context& ctx, const IkeSa& sa);
// RekeyFailed for a rekey of `child` (empty: of the IKE SA itself) that did not happen.
void emit_rekey_failed(Context& ctx, const IkeSa& sa, std::optional<ChildSaId> child, RekeyFailure reason,
                       std::string detail, bool retrying = false);

// --- task_ike_init.cpp ---
void start_ike_init(Context& ctx, IkeSa& sa);
struct ResponderInit {
    std::unique_ptr<IkeSa> sa;  // null: answered statelessly (or dropped)
};
// The Endpoint has already done the DoS checks (cookie.hpp, the half-open caps).
ResponderInit respond_ike_init(Context& ctx, const Received& rx, IkeSaId id, std::uint64_t spi_r);
// An unprotected IKE_SA_INIT response carrying only `n` (COOKIE, INVALID_KE_PAYLOAD, ...): no state.
void send_stateless_notify(Context& ctx, const Received& rx, wire::Notify n);
void handle_ike_init_response(Context& ctx, IkeSa& sa, const Received& rx);

// --- task_nat_detect.cpp ---
Payloads nat_detection_notifies(std::uint64_t spi_i, std::uint64_t spi_r, const SocketAddress& source,
                                const SocketAddress& destination);
// The peer's notifies checked against the addresses the message really came from/to.
NatInfo check_nat(std::span<const wire::Payload> payloads, std::uint64_t spi_i, std::uint64_t spi_r,
                  const SocketAddress& local, const SocketAddress& remote);

// --- task_certs.cpp ---
Payloads certificate_payloads(const Credentials& creds);
wire::CertificateRequest certificate_request(const CertificateVerifier& verifier);
std::vector<Bytes> peer_chain(std::span<const wire::Payload> inner);
// Chain verification, blocklist and identity <-> SAN for the peer's CERT payloads.
Expected<VerifiedPeer, VerifyFailure> verify_peer(Context& ctx, std::span<const wire::Payload> inner,
                                                  const Identity& claimed);
void report_auth_failure(Context& ctx, const IkeSa& sa, const VerifyFailure& f);

// --- task_auth.cpp ---
void start_ike_auth(Context& ctx, IkeSa& sa);
void handle_ike_auth_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
void handle_ike_auth_response(Context& ctx, IkeSa& sa, const Payloads& inner);

// --- task_child_create.cpp ---
void add_child_request(const Context& ctx, const ChildRequest& req, Payloads& out);
struct ChildOffer {  // the child SA part of a request, as answered (responder) or accepted (initiator)
    Payloads payloads;                    // responder: SA, TSi, TSr (+ transport) or an error notify
    std::optional<ChildSa> child;         // with its suite, ESN, narrowed selectors and mode
    std::optional<VerifyFailure> failure;  // authorisation failure to report
    std::string error;                     // why there is no child (when child is empty)
    std::uint8_t proposal_number = 0;     // of the chosen ESP proposal
};
// Shared by IKE_AUTH and CREATE_CHILD_SA: ESP proposal, narrowing (the peer's TSi to its
// certificate's RFC 3779 blocks, our TSr to the local traffic), our inbound SPI.
ChildOffer respond_child(Context& ctx, IkeSa& sa, std::span<const wire::Payload> inner, const TrafficSelectors& peer_allowed);
// The initiator's check of a response's child SA part against what it asked for.
ChildOffer accept_child(Context& ctx, const ChildRequest& req, std::span<const wire::Payload> inner,
                        const TrafficSelectors& peer_allowed);
// IKE_AUTH: installs the first child (or releases its SPI).
void commit_child(Context& ctx, IkeSa& sa, const ChildOffer& offer);
// KEYMAT inputs (§2.17): the IKE_AUTH nonces, or a CREATE_CHILD_SA's with g^ir under PFS.
// The initiator of the exchange that made the child owns the first half of KEYMAT.
struct ChildKeying {
    crypto::Role exchange_role;
    const Bytes& ni;
    const Bytes& nr;
    const crypto::SharedSecret* g_ir = nullptr;
    std::optional<ChildSaId> replaces;
};
// Adds the child to the SA, schedules its rekey, and emits ChildSaUp.
void install_child(Context& ctx, IkeSa& sa, ChildSa child, const ChildKeying& k);

// --- task_delete.cpp ---
Payloads informational_payloads(const IkeSa& sa, const QueuedRequest& req);
void handle_informational_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
void handle_informational_response(Context& ctx, IkeSa& sa, const QueuedRequest& req, const Payloads& inner);
// Emits ChildSaDown for every child and IkeSaDown, releases SPIs, and marks the SA closed.
void close_ike(Context& ctx, IkeSa& sa, DownReason reason, std::string detail);
// The same events and releases without closing (the SA still has a last request to finish).
void emit_down(Context& ctx, IkeSa& sa, DownReason reason, std::string detail);
void remove_child(Context& ctx, IkeSa& sa, ChildSaId child, DownReason reason);

// --- task_liveness.cpp ---
std::optional<Time> liveness_deadline(const Context& ctx, const IkeSa& sa);
void check_liveness(Context& ctx, IkeSa& sa);

// --- task_child_sa.cpp ---
// A notify type's name for details ("INVALID_SYNTAX"), or its number.
std::string notify_name(wire::NotifyType t);
// The payloads of our CREATE_CHILD_SA request for `req` (create_child or rekey_child), with its
// pending state (nonce, KE, SPI) kept in `sa`; nullopt drops the request (e.g. the child is gone).
std::optional<Payloads> start_child_sa(Context& ctx, IkeSa& sa, const QueuedRequest& req);
void handle_child_sa_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
void handle_child_sa_response(Context& ctx, IkeSa& sa, const QueuedRequest& req, const Payloads& inner);
// Whether `sa` may carry a new child SA for `req` (same peer and local address, the expected
// identity, established or being set up by us).
bool can_carry_child(const IkeSa& sa, const InitiateRequest& req, const SocketAddress& local);
// An additional child SA on this IKE SA (§1.3.1): queued until the SA is established and idle.
Expected<ChildSaId, CommandError> queue_additional_child(Context& ctx, IkeSa& sa, const InitiateRequest& req);
// Endpoint::rekey_child (§1.3.3): queues a rekey unless one is already under way.
void queue_child_rekey(Context& ctx, IkeSa& sa, ChildSa& child);
// Sets the child's rekey time (soft lifetime minus up to jitter_percent); returns that lifetime.
std::chrono::seconds schedule_rekey(Context& ctx, ChildSa& child);
// Rekeys on time and retries after TEMPORARY_FAILURE; the earliest such deadline.
void check_child_timers(Context& ctx, IkeSa& sa);
std::optional<Time> child_timer_deadline(const IkeSa& sa);
// Releases the SPIs of children that never came up (the IKE SA is going).
void release_pending_children(Context& ctx, IkeSa& sa);

// --- task_ike_rekey.cpp ---
// A CREATE_CHILD_SA whose SA payload proposes protocol IKE (§1.3.2) rather than a child SA.
bool is_ike_rekey(std::span<const wire::Payload> inner);
std::optional<Payloads> start_ike_rekey(Context& ctx, IkeSa& sa, const QueuedRequest& req);
void handle_ike_rekey_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
void handle_ike_rekey_response(Context& ctx, IkeSa& sa, const QueuedRequest& req, const Payloads& inner);
// While our rekey of this IKE SA is outstanding or it was rekeyed: a CREATE_CHILD_SA for a child
// SA gets TEMPORARY_FAILURE (§2.25.1).
bool ike_rekey_busy(const IkeSa& sa);
// The peer deletes this IKE SA (already answered): settles a rekey collision first (§2.8.2: the
// SA we answered the peer's rekey with inherits the children); true: keep the SA open a little
// longer, for the answer to our own rekey.
bool ike_deleted_by_peer(Context& ctx, IkeSa& sa);
// Lifetime: the rekey time (lifetime minus jitter) of a newly established SA, armed once.
void arm_ike_rekey(Context& ctx, IkeSa& sa);
// The next rekey, notAfter or give-up moment of this SA, and acting on it.
std::optional<Time> ike_lifetime_deadline(const IkeSa& sa);
void check_ike_lifetime(Context& ctx, IkeSa& sa);

// Emits the IkeKeysExported event when the configuration asks for it.
void export_ike_keys(Context& ctx, const IkeSa& sa);

}  // namespace ike::sa
