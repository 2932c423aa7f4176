// A revocation policy is untrusted input (it travels over any channel): it is checked whole
// before anything changes, so a corrupt, forged, future-dated or replayed CRL is refused and the
// policy in force stays, instead of tearing down every SA. An expired CRL stays in force too:
// its revocations still apply and the caller is warned once.
#include "sa/revocation.hpp"

#include <algorithm>

namespace ike::sa {

Expected<void, ConfigError> check_blocklist(const RevocationPolicy& policy) {
    for (const auto& name : policy.blocked_names)
        if (name.empty()) return unexpected(ConfigError::bad_blocklist);
    for (const auto& e : policy.blocked_serials) {
        if (e.serial.empty() || (e.serial.size() > 1 && e.serial.front() == 0)) return unexpected(ConfigError::bad_blocklist);
        if (e.issuer_dn.empty()) return unexpected(ConfigError::bad_blocklist);
    }
    return {};
}

Expected<RevocationState::Checked, ConfigError> RevocationState::check(const RevocationPolicy& policy,
                                                                       const CertificateVerifier& verifier,
                                                                       std::optional<Time> now) const {
    if (auto ok = check_blocklist(policy); !ok) return unexpected(ok.error());
    auto crls = verifier.check_crls(policy);
    if (!crls) return unexpected(crls.error());
    Checked out;
    for (const auto& c : *crls) {
        if (now && c.this_update > *now) return unexpected(ConfigError::bad_crl);
        auto it = std::find_if(out.newest.begin(), out.newest.end(), [&](const CrlInfo& n) { return n.issuer == c.issuer; });
        if (it == out.newest.end())
            out.newest.push_back(c);
        else if (c.number > it->number || (c.number == it->number && c.this_update > it->this_update))
            *it = c;
    }
    // Older CRLs of an issuer may come along (their serials still count); the newest decides.
    for (const auto& n : out.newest) {
        const auto seen = m_highest.find(n.issuer);
        std::uint64_t floor = seen == m_highest.end() ? 0 : seen->second;
        if (n.by_ca) floor = std::max({floor, m_highest_ca, policy.min_crl_number});
        if (n.number < floor) return unexpected(ConfigError::crl_rollback);
    }
    return out;
}

void RevocationState::commit(const Checked& checked) {
    for (const auto& n : checked.newest) {
        auto& h = m_highest[n.issuer];
        h = std::max(h, n.number);
        if (n.by_ca) m_highest_ca = std::max(m_highest_ca, n.number);
    }
    m_newest = checked.newest;
}

bool RevocationState::report_expired(Time now, bool strict, std::deque<Event>& events, Counters& counters) {
    bool any = false;
    for (const auto& n : m_newest) {
        if (now < n.next_update || !m_reported.insert({n.issuer, n.number}).second) continue;
        ++counters.crls_expired;
        events.push_back(CrlExpired{n.number, n.next_update, strict});
        any = true;
    }
    return any;
}

std::optional<Time> RevocationState::next_expiry() const {
    std::optional<Time> t;
    for (const auto& n : m_newest)
        if (!m_reported.contains({n.issuer, n.number}) && (!t || n.next_update < *t)) t = n.next_update;
    return t;
}

}  // namespace ike::sa
