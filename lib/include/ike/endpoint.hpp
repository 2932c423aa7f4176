// libike's entry point: an Endpoint owns every IKE SA of one local configuration. Sans-I/O:
// push datagrams, commands and time in; drain datagrams, events and the next deadline out.
//
//   ep.handle_datagram(bytes, local, remote, now);
//   while (auto t = ep.poll_transmit()) send(t->local, t->remote, t->data);
//   while (auto e = ep.poll_event()) act(*e);
//   sleep until ep.next_timeout(), then ep.handle_timeout(now).
//
// Nothing here throws, reads a clock, opens a socket or calls back into the caller.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "crypto/rng.hpp"
#include "ike/config.hpp"
#include "ike/events.hpp"
#include "ike/expected.hpp"
#include "ike/sa_info.hpp"
#include "ike/types.hpp"

namespace ike {

// ESP SPIs are chosen by whoever installs inbound SAs: the daemon asks the kernel
// (XFRM_MSG_ALLOCSPI); tests use a deterministic counter.
class SpiAllocator {
public:
    virtual ~SpiAllocator() = default;
    virtual std::optional<std::uint32_t> allocate(const SocketAddress& local, const SocketAddress& remote) = 0;
    virtual void release(std::uint32_t spi) = 0;
};

struct Transmit {
    SocketAddress local;
    SocketAddress remote;
    std::vector<std::uint8_t> data;  // ready to send: carries the non-ESP marker on port 4500
};

struct InitiateRequest {
    SocketAddress remote;                  // the peer's IKE endpoint (port 500)
    std::optional<SocketAddress> local;    // our source; default: the first local address used
    std::optional<Identity> peer_id;       // expected peer identity (sent as IDr, then enforced)
    TrafficSelectors local_ts;             // TSi: the packet's selector first (from ACQUIRE),
    TrafficSelectors remote_ts;            // TSr: then the full subnets (RFC 7296 §2.9)
    Mode mode = Mode::tunnel;
    std::uint64_t tag = 0;                 // returned in ChildSaUp (e.g. the policy's reqid)
    bool new_ike_sa = false;               // never reuse an IKE SA to this peer (benchmarks, tests)
};

enum class CommandError : std::uint8_t {
    unknown_sa,          // no such IKE or child SA
    invalid_request,     // empty selectors, mixed address families, ...
    spi_unavailable,     // the SpiAllocator gave none
    limit_reached,       // too many SAs
    busy,                // an exchange for this SA is already queued that conflicts
};

enum class ConfigError : std::uint8_t {
    no_credentials, bad_certificate, bad_private_key, key_mismatch, bad_ca, no_proposals,
    unsupported_transform,
    bad_crl,        // a CRL that does not parse, is not signed by the CA, or is not yet valid
    crl_rollback,   // a CRL with a lower cRLNumber than one already accepted
    bad_blocklist,  // a blocklist entry that cannot be an entry (e.g. an empty name)
};

// Counters for the daemon to show (meshctl); monotonic for the life of the Endpoint.
struct Counters {
    std::uint64_t datagrams_in = 0, datagrams_out = 0, retransmits = 0;
    std::uint64_t decode_errors = 0, integrity_failures = 0, invalid_spi = 0;
    // Protected messages whose ICV verified but whose content did not decode or broke the
    // exchange table (requests are answered INVALID_SYNTAX / UNSUPPORTED_CRITICAL_PAYLOAD, RFC
    // 7296 §2.21); integrity_failures counts only ICVs that did not verify.
    std::uint64_t protected_decode_errors = 0;
    std::uint64_t half_open_dropped = 0, cookies_sent = 0, auth_failures = 0;
    std::uint64_t ike_sas_up = 0, child_sas_up = 0;
    std::uint64_t invalid_spi_notifies = 0, dropped_out_of_window = 0, duplicate_requests = 0;
    // DoS limits (RFC 7296 §2.6). half_open_dropped above counts the overall cap (max_half_open).
    std::uint64_t half_open_dropped_per_source = 0;  // max_half_open_per_source reached
    std::uint64_t cookies_rejected = 0;   // a COOKIE that was stale or forged (answered with a fresh one)
    std::uint64_t key_exchanges = 0;      // Diffie-Hellman computations of IKE_SA_INIT, both roles
    std::uint64_t fragments_sent = 0, fragments_received = 0, fragments_dropped = 0, messages_reassembled = 0;  // RFC 7383
    std::uint64_t crls_expired = 0;       // CrlExpired warnings: a newest CRL past its nextUpdate (once each)
    std::uint64_t fragment_fallbacks = 0;    // requests sent again in smaller fragments (RFC 7383 §2.5.2)
    std::uint64_t reassembly_timeouts = 0;   // incomplete messages dropped after Timers::reassembly_timeout
    std::uint64_t reassembly_evictions = 0;  // incomplete messages evicted for another's fragments (Limits)
};

// What an Endpoint holds right now (tests check "no state left"; the daemon shows it).
struct StateCounts {
    std::size_t ike_sas = 0;        // every IKE SA, half-open included
    std::size_t half_open = 0;      // not yet authenticated
    std::size_t child_sas = 0;      // established child SAs
    std::size_t reassembly_bytes = 0;  // RFC 7383 fragments held while their messages are incomplete
};

class Endpoint {
public:
    static Expected<Endpoint, ConfigError> create(Config config, std::unique_ptr<crypto::Rng> rng,
                                                  std::unique_ptr<SpiAllocator> spis);
    Endpoint(Endpoint&&) noexcept;
    Endpoint& operator=(Endpoint&&) noexcept;
    ~Endpoint();

    // A UDP datagram as received (with the non-ESP marker if it came to port 4500).
    void handle_datagram(std::span<const std::uint8_t> data, const SocketAddress& local,
                         const SocketAddress& remote, Time now);
    void handle_timeout(Time now);

    // Sets up a child SA to the peer: with CREATE_CHILD_SA on an IKE SA we already have with it
    // (RFC 7296 §1.3.1; queued while that IKE SA is still being set up by us), else with a new
    // IKE SA (IKE_SA_INIT + IKE_AUTH). The returned id is the one ChildSaUp will carry; if the
    // peer refuses an additional child, a ChildSaDown{negotiation_failed} with this id and no
    // SPIs comes instead. Asking again for the same selectors and mode while that child is not up
    // yet (a repeated ACQUIRE) returns the same id; at most 64 children wait per IKE SA
    // (limit_reached).
    Expected<ChildSaId, CommandError> initiate(const InitiateRequest& request, Time now);
    // Rekeys a child SA (e.g. on the kernel's soft expiry; children are also rekeyed on time):
    // ChildSaUp{replaces = child} for the new one, then ChildSaDown{rekeyed} for the old one.
    // Does nothing more if a rekey of it is already under way.
    Expected<void, CommandError> rekey_child(ChildSaId child, Time now);
    // Rekeys an IKE SA now (RFC 7296 §1.3.2); it also happens on its own at Lifetimes::ike_rekey.
    // The new SA's IkeSaUp carries `replaces`; the children keep their ChildSaIds.
    Expected<void, CommandError> rekey_ike(IkeSaId ike, Time now);
    Expected<void, CommandError> delete_child(ChildSaId child, Time now);
    Expected<void, CommandError> delete_ike(IkeSaId ike, Time now);
    // New CRLs and blocklist. Checked as a whole before anything changes: a CRL that does not
    // verify (bad_crl), an older one (crl_rollback) or a bad blocklist leaves the previous policy
    // in force. Then SAs with peers the new policy revokes are torn down. A CRL is signed by the
    // CA or by the intermediate that issued it (one of our own chain or of a peer chain verified
    // earlier), its thisUpdate is not after `now`; cRLNumbers count per issuer, and
    // min_crl_number applies to the CA's. An expired CRL is accepted (CrlExpired follows).
    Expected<void, ConfigError> update_policy(RevocationPolicy revocation, Time now);
    // The highest cRLNumber accepted so far from the CA (0: none), for the caller to persist.
    std::uint64_t highest_crl_number() const;
    // New own certificate and key, and possibly a new CA: a new CA replaces the X.509 verifier
    // the Endpoint made (not an injected one) and established SAs whose peer it does not vouch
    // for are torn down like revoked ones.
    Expected<void, ConfigError> update_credentials(Credentials credentials, Time now);

    std::optional<Transmit> poll_transmit();
    std::optional<Event> poll_event();
    std::optional<Time> next_timeout() const;

    const Counters& counters() const;
    StateCounts state_counts() const;
    // A copy of every IKE SA and its child SAs (SPIs, state, algorithms, next rekey): read-only.
    std::vector<IkeSaInfo> sa_info() const;

private:
    struct Impl;
    explicit Endpoint(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ike
