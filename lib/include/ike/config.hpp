// The configuration of one Endpoint: who we are, what we accept, how long things live.
// Defaults are what a mesh node should run with; every field can be changed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <memory>
#include <vector>

#include "ike/private_key.hpp"
#include "ike/transforms.hpp"
#include "ike/types.hpp"
#include "ike/verifier.hpp"

namespace ike {

// Our own credentials, and the one CA we trust.
struct Credentials {
    Identity local_id;
    std::vector<std::vector<std::uint8_t>> certificate_chain;  // DER, end entity first
    std::shared_ptr<const crypto::PrivateKey> private_key;
    std::vector<std::uint8_t> ca_certificate;  // DER, the trust anchor
};

// Revocation without an online CA: CRLs signed by the CA plus a local blocklist.
// Replaced as a whole by Endpoint::update_policy(); SAs whose peer it revokes are torn down.
struct RevocationPolicy {
    std::vector<std::vector<std::uint8_t>> crls;                       // DER, signed by the CA
    std::vector<std::array<std::uint8_t, 32>> blocked_spki_sha256;     // SHA-256 of the peer's SPKI
    struct IssuerSerial {
        std::vector<std::uint8_t> issuer_dn;  // DER
        std::vector<std::uint8_t> serial;     // big-endian, no leading zero
        // From a blocklist file (lib/policy/blocklist.hpp): the issuer named by the SHA-256 of
        // its Name DER instead; when set, issuer_dn is ignored.
        std::optional<std::array<std::uint8_t, 32>> issuer_dn_sha256 = std::nullopt;
    };
    std::vector<IssuerSerial> blocked_serials;
    std::vector<std::string> blocked_names;  // SAN DNS names / IDs
    // Rollback protection: a CRL whose cRLNumber is below this is refused (crl_rollback). The
    // caller persists the highest number accepted (Endpoint::highest_crl_number()) and passes it
    // back after a restart.
    std::uint64_t min_crl_number = 0;
    // A CRL past its nextUpdate stays in force and raises CrlExpired; strict: peers are refused
    // (AuthFailure::revoked, "CRL expired") until a fresh CRL is loaded.
    bool strict_crl_expiry = false;
};

// Proposals in order of preference (RFC 7296 §2.7): the responder picks the first of the
// initiator's that it supports; the initiator offers these.
struct Proposals {
    std::vector<crypto::IkeSuite> ike = {
        {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}, crypto::KeId::Curve25519},
        {crypto::PrfId::HmacSha2_256, {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}, crypto::KeId::Ecp256},
    };
    std::vector<crypto::EspSuite> esp = {
        {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None},
        {crypto::EncrId::ChaCha20Poly1305, 0, crypto::IntegId::None},
    };
    bool esn = true;
    // Key exchange groups for child SAs made or rekeyed by CREATE_CHILD_SA (PFS, RFC 7296 §1.3.1,
    // §2.17), in order of preference; empty: no PFS (and a peer's offer without NONE is refused).
    std::vector<crypto::KeId> child_ke = {crypto::KeId::Curve25519, crypto::KeId::Ecp256};
};

struct Timers {
    Duration retransmit_initial{1000};  // first retransmission; doubles up to retransmit_max
    Duration retransmit_max{16000};
    unsigned retransmit_tries = 6;       // retransmissions, then the exchange (and the IKE SA) is given up
    Duration half_open_timeout{30000};   // a responder forgets an IKE SA that never authenticates
    Duration liveness_after{30000};      // silence before an empty INFORMATIONAL is sent
    unsigned invalid_spi_per_second = 10;  // INVALID_IKE_SPI notifies sent at most (§2.21.4)
    unsigned max_init_retries = 3;        // INVALID_KE_PAYLOAD / COOKIE retries of one IKE_SA_INIT
    // RFC 7383: an incomplete fragmented message is dropped this long after its last fragment
    // came; longer than retransmit_max, so the peer's next retransmission still finds the rest.
    Duration reassembly_timeout{30000};
    // RFC 7383 §2.5.2: a fragmented request unanswered after this many retransmissions is sent
    // again in smaller fragments (down to 576-octet IPv4 / 1280-octet IPv6 datagrams); 0: never.
    unsigned fragment_fallback_after = 2;
};

struct Lifetimes {
    std::chrono::seconds ike_rekey{4 * 3600};
    std::chrono::seconds child_soft{3600};  // rekey
    std::chrono::seconds child_hard{3600 + 600};
    std::uint64_t child_soft_bytes = 0;     // 0: no byte limit
    std::uint64_t child_hard_bytes = 0;
    unsigned jitter_percent = 10;           // rekey earlier by up to this much, so a mesh spreads out
};

struct Limits {
    unsigned max_half_open = 10000;
    unsigned max_half_open_per_source = 50;
    unsigned cookie_threshold = 1000;    // COOKIEs are demanded once this many SAs are half-open (0: always)
    Duration cookie_secret_lifetime{60000};  // the COOKIE secret rotates this often (§2.6)
    std::size_t fragment_size = 1280;    // RFC 7383: fragment messages above this (0: never)
    // (fragment_size counts the whole IP datagram: IP and UDP headers, non-ESP marker, IKE message)
    unsigned max_fragments = 64;                         // RFC 7383 §2.6 reassembly caps: Total Fragments
    std::size_t max_reassembly_bytes = 64 * 1024;        // held per IKE SA
    std::size_t max_reassembly_total = 16 * 1024 * 1024;  // held by all IKE SAs of the endpoint
    // Held by the IKE SAs of one peer address; when it or the total is full, the oldest
    // incomplete messages (of that address, or of all) are evicted (fragments.cpp says why).
    std::size_t max_reassembly_per_source = 1024 * 1024;
    // Child SAs one IKE SA may hold when the peer asks for another (CREATE_CHILD_SA, RFC 7296
    // §1.3.1): beyond it the peer gets NO_ADDITIONAL_SAS and no SPI is taken.
    unsigned max_child_sas = 128;
};

struct Config {
    Credentials credentials;
    RevocationPolicy revocation;
    // The traffic we protect for our side (our site subnet): a responder narrows the peer's
    // TSr to it; the peer's TSi is narrowed to its certificate's RFC 3779 blocks.
    TrafficSelectors local_traffic;
    Proposals proposals;
    Timers timers;
    Lifetimes lifetimes;
    Limits limits;
    bool export_keys = false;  // emit IkeKeysExported events (Wireshark key logs); off by default
    // Verifies peer certificates. Null: lib/policy's X.509 verifier anchored at
    // credentials.ca_certificate (tests may inject their own).
    std::shared_ptr<const CertificateVerifier> verifier;
};

}  // namespace ike
