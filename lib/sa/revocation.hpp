// The Endpoint's revocation bookkeeping: a RevocationPolicy checked as a whole before it is
// applied (blocklist entries, CRL signatures, thisUpdate, cRLNumber rollback), the highest
// cRLNumbers accepted, and the once-per-CRL CrlExpired warning.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "ike/config.hpp"
#include "ike/endpoint.hpp"
#include "ike/events.hpp"
#include "ike/verifier.hpp"

namespace ike::sa {

class RevocationState {
public:
    // The newest CRL of each issuer in a policy that passed check().
    struct Checked {
        std::vector<CrlInfo> newest;
    };
    // bad_blocklist, bad_crl (no signature of the CA or the issuing intermediate, or thisUpdate
    // after `now`; without a clock, as at Endpoint::create, thisUpdate is not checked) or
    // crl_rollback (an issuer's newest CRL numbered below the highest accepted from it, or, for
    // the CA, below RevocationPolicy::min_crl_number). Changes nothing.
    Expected<Checked, ConfigError> check(const RevocationPolicy& policy, const CertificateVerifier& verifier,
                                         std::optional<Time> now) const;
    void commit(const Checked& checked);

    // The highest cRLNumber accepted from the CA (or min_crl_number, if higher), for the caller to persist.
    std::uint64_t highest_ca_number() const { return m_highest_ca; }
    // CrlExpired (and the counter) for each newest CRL whose nextUpdate is past, once per CRL;
    // true when there was one.
    bool report_expired(Time now, bool strict, std::deque<Event>& events, Counters& counters);
    // When the next unreported CRL expires (for Endpoint::next_timeout).
    std::optional<Time> next_expiry() const;

private:
    using Issuer = std::array<std::uint8_t, 32>;
    std::map<Issuer, std::uint64_t> m_highest;  // per issuer
    std::uint64_t m_highest_ca = 0;
    std::vector<CrlInfo> m_newest;               // of the policy in force
    std::set<std::pair<Issuer, std::uint64_t>> m_reported;  // (issuer, number) already warned about
};

// Blocklist entries that cannot match anything (an empty name, an empty or zero-padded serial,
// an empty issuer): bad_blocklist.
Expected<void, ConfigError> check_blocklist(const RevocationPolicy& policy);

}  // namespace ike::sa
