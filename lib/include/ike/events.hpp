// What an Endpoint tells its caller, drained with Endpoint::poll_event(). Events carry
// everything the caller needs to act (a ChildSaUp holds all a kernel needs for both SAs), so
// the caller never reaches back into the library to complete one.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <variant>

#include "ike/esp_keys.hpp"
#include "ike/transforms.hpp"
#include "ike/types.hpp"

namespace ike {

struct NatInfo {
    bool local_behind_nat = false;  // our NAT_DETECTION_DESTINATION_IP did not match
    bool peer_behind_nat = false;   // the peer's NAT_DETECTION_SOURCE_IP did not match
    bool any() const { return local_behind_nat || peer_behind_nat; }
};

struct IkeSaUp {
    IkeSaId ike;
    SocketAddress local;
    SocketAddress remote;
    Identity peer_id;
    crypto::IkeSuite suite;
    NatInfo nat;
    bool initiator = false;
    Time peer_cert_not_after;  // the IKE SA is closed or re-authenticated by then
    std::optional<IkeSaId> replaces;  // set by an IKE SA rekey: the old one's children are now
                                      // this one's (same ChildSaIds), then the old one goes Down
};

enum class DownReason : std::uint8_t {
    deleted_locally,     // delete_ike / delete_child
    deleted_by_peer,     // DELETE received
    dead_peer,           // liveness check unanswered
    retransmit_timeout,  // an exchange was given up
    auth_failed,         // see the AuthFailed event just before
    negotiation_failed,  // NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, ... (detail says which)
    revoked,             // update_policy() revoked the peer
    cert_expired,        // the peer certificate reached notAfter
    rekeyed,             // replaced by a new SA (make-before-break: its Up came first)
    lifetime_expired,    // hard lifetime
    peer_restarted,      // INITIAL_CONTACT from the same identity
};

struct IkeSaDown {
    IkeSaId ike;
    DownReason reason{};
    std::string detail;
};

// One direction of a child SA as the kernel needs it.
struct EspSa {
    std::uint32_t spi = 0;   // the SPI the receiver chose
    SocketAddress source;    // outer addresses (ports matter only with encapsulation)
    SocketAddress destination;
    crypto::EspKeys keys;
};

struct ChildSaUp {
    IkeSaId ike;
    ChildSaId child;
    std::uint64_t tag = 0;             // the caller's tag from initiate() (0 for a responder)
    std::optional<ChildSaId> replaces; // set by a rekey: install this, then the old one goes Down
    EspSa inbound;
    EspSa outbound;
    Mode mode = Mode::tunnel;
    bool esn = false;
    bool udp_encapsulation = false;    // NAT detected: ESP in UDP (RFC 3948) on the IKE ports
    TrafficSelectors local_ts;         // narrowed, as agreed
    TrafficSelectors remote_ts;
    std::chrono::seconds soft_lifetime{0};
    std::chrono::seconds hard_lifetime{0};
    std::uint64_t soft_bytes = 0;
    std::uint64_t hard_bytes = 0;
};

struct ChildSaDown {
    IkeSaId ike;
    ChildSaId child;
    std::uint32_t inbound_spi = 0;
    std::uint32_t outbound_spi = 0;
    SocketAddress local;
    SocketAddress remote;
    DownReason reason{};
    std::string detail;
};

// A peer failed authentication or authorisation (either role). Named reasons, for logs and
// counters; the notify sent or received is in `detail`.
enum class AuthFailure : std::uint8_t {
    bad_signature, unknown_ca, expired, not_yet_valid, revoked, blocklisted, identity_mismatch,
    subnet_not_allowed, bad_key_usage, malformed_certificate, no_certificate,
    unsupported_algorithm, peer_rejected_us,  // the peer sent AUTHENTICATION_FAILED
};

struct AuthFailed {
    std::optional<IkeSaId> ike;
    SocketAddress remote;
    std::optional<Identity> peer_id;
    AuthFailure reason{};
    std::string detail;
};

// Emitted only with Config::export_keys, for Wireshark key logs (ike/keylog.hpp formats them),
// as soon as the keys are derived: after IKE_SA_INIT (before IKE_AUTH, so a failing IKE_AUTH can
// be decrypted too) and for each IKE SA a rekey makes.
struct IkeKeysExported {
    IkeSaId ike;
    std::array<std::uint8_t, 8> spi_i{};
    std::array<std::uint8_t, 8> spi_r{};
    crypto::IkeSuite suite;
    crypto::SecureBytes sk_ei, sk_er, sk_ai, sk_ar;
};

// The peer's address or port changed (NAT rebinding, RFC 7296 §2.23): an authenticated request
// of this IKE SA came from another address. Every later message of the IKE SA goes to `remote`;
// the caller moves the outer addresses (and the UDP encapsulation ports) of the kernel SAs of
// its children.
struct PeerAddressChanged {
    IkeSaId ike;
    SocketAddress old_local;
    SocketAddress old_remote;
    SocketAddress local;
    SocketAddress remote;
    bool udp_encapsulation = false;  // the children's ESP travels in UDP (RFC 3948) from now on
};

// A rekey that did not happen: the SA it was for keeps running until its hard lifetime, so the
// caller decides what to do (e.g. set up a fresh child SA before the old one expires).
enum class RekeyFailure : std::uint8_t {
    refused,             // the peer answered with an error notify (detail names it)
    invalid_ke,          // INVALID_KE_PAYLOAD retries exhausted
    no_proposal_chosen,  // NO_PROPOSAL_CHOSEN / TS_UNACCEPTABLE
    timeout,             // the exchange was not answered (the IKE SA goes down with it)
    bad_answer,          // the answer did not check out (e.g. selectors outside the certificate)
};

struct RekeyFailed {
    IkeSaId ike;
    std::optional<ChildSaId> child;  // empty: the IKE SA's own rekey failed
    RekeyFailure reason{};
    std::string detail;
    bool retrying = false;  // a second attempt follows (a child rekey is retried once with only
                            // the IKE SA's own KE group); a RekeyFailed with false is final
};

// A warning about the revocation data, for the caller to log and show: the newest CRL's
// nextUpdate has passed (the offline CA's operator is late). Its revocations still apply; with
// RevocationPolicy::strict_crl_expiry, peers are refused until a fresh CRL comes.
struct CrlExpired {
    std::uint64_t crl_number = 0;
    Time next_update{};
    bool strict = false;
};

using Event = std::variant<IkeSaUp, IkeSaDown, ChildSaUp, ChildSaDown, AuthFailed, IkeKeysExported,
                           PeerAddressChanged, RekeyFailed, CrlExpired>;

}  // namespace ike
