// The exchanges of an IKE SA, one concern per file (strongSwan-task style):
//   task_ike_init.cpp     IKE_SA_INIT both roles (proposals, KE, nonces, INVALID_KE, COOKIE)
//   task_nat_detect.cpp   NAT_DETECTION_*_IP (RFC 7296 §2.23)
//   task_certs.cpp        CERT / CERTREQ and peer verification + authorisation
//   task_auth.cpp         IKE_AUTH both roles (RFC 7427 signatures)
//   task_child_create.cpp the first child SA (SA, TSi/TSr narrowing, KEYMAT, ChildSaUp)
//   task_delete.cpp       INFORMATIONAL: DELETE, AUTHENTICATION_FAILED, closing an SA
//   task_liveness.cpp     liveness checks and dead-peer detection
//   task_child_sa.cpp     CREATE_CHILD_SA for child SAs: additional ones and rekeys (issue 7)
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
// Sends a request of `kind` now (the window must be idle).
bool send_request(Context& ctx, IkeSa& sa, QueuedRequest kind, wire::ExchangeType exchange, const Payloads& inner);
// Answers the request being processed, and caches the answer for retransmissions.
void respond(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
// Starts the next queued INFORMATIONAL if the window is idle.
void pump_requests(Context& ctx, IkeSa& sa);
// Processes a message of an existing SA (window checks, decryption, dispatch).
void handle_message(Context& ctx, IkeSa& sa, const Received& rx);
// Retransmissions, give-ups, half-open expiry, liveness.
void handle_sa_timeout(Context& ctx, IkeSa& sa);
std::optional<Time> sa_deadline(const Context& ctx, const IkeSa& sa);

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
struct ChildOffer {  // the child SA part of IKE_AUTH, as answered (responder) or accepted (initiator)
    Payloads payloads;                    // responder: SA, TSi, TSr (+ transport) or an error notify
    std::optional<ChildSa> child;
    std::optional<VerifyFailure> failure;  // authorisation failure to report
    std::string error;                     // why there is no child (when child is empty)
    crypto::EspSuite suite{};
    bool esn = false;
    TrafficSelectors local_ts, remote_ts;
};
ChildOffer respond_child(Context& ctx, IkeSa& sa, std::span<const wire::Payload> inner, const VerifiedPeer& peer);
// The initiator's check of the child SA part of the IKE_AUTH response; emits ChildSaUp.
ChildOffer accept_child(Context& ctx, IkeSa& sa, std::span<const wire::Payload> inner, const VerifiedPeer& peer);
void commit_child(Context& ctx, IkeSa& sa, const ChildOffer& offer);
void emit_child_up(Context& ctx, IkeSa& sa, const ChildSa& child, const crypto::EspSuite& suite, bool esn,
                   const TrafficSelectors& local_ts, const TrafficSelectors& remote_ts);

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
// The payloads of our CREATE_CHILD_SA request for `req` (create_child or rekey_child), with its
// pending state (nonce, KE, SPI) kept in `sa`; nullopt drops the request (e.g. the child is gone).
std::optional<Payloads> start_child_sa(Context& ctx, IkeSa& sa, const QueuedRequest& req);
void handle_child_sa_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
void handle_child_sa_response(Context& ctx, IkeSa& sa, const QueuedRequest& req, const Payloads& inner);

// --- task_ike_rekey.cpp ---
// A CREATE_CHILD_SA whose SA payload proposes protocol IKE (§1.3.2) rather than a child SA.
bool is_ike_rekey(std::span<const wire::Payload> inner);
std::optional<Payloads> start_ike_rekey(Context& ctx, IkeSa& sa, const QueuedRequest& req);
void handle_ike_rekey_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads& inner);
void handle_ike_rekey_response(Context& ctx, IkeSa& sa, const QueuedRequest& req, const Payloads& inner);

// Emits the IkeKeysExported event when the configuration asks for it.
void export_ike_keys(Context& ctx, const IkeSa& sa);

}  // namespace ike::sa
