// The CA directory (docs/FORMATS.md "CA directory"): ca.crt, ca.key, the counters (serial,
// crl.number, directory.serial), index.txt (one line per certificate issued) and certs/ (a copy
// of each, by serial). Loaded whole, changed in memory, written back through a WriteSet.
#pragma once

#include "crypto/ca_issue.hpp"
#include "files.hpp"
#include "ike/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meshca {

using Time = ike::Time;

struct IndexEntry {
    std::uint64_t serial = 0;
    bool revoked = false;
    Time not_after;
    std::string name;
    ike::TrafficSelectors subnets;
    std::vector<ike::IpAddress> endpoints;
    Time revoked_at;                                   // when revoked
    ike::crypto::RevocationReason reason{};            // when revoked
};

// "key-compromise" <-> RevocationReason
std::optional<ike::crypto::RevocationReason> parse_reason(std::string_view text);
std::string_view reason_name(ike::crypto::RevocationReason r);
std::string reason_names();  // for --help

class CaStore {
public:
    // Loads ca.crt and the state files; the key only with load_key() (commands that sign).
    static CaStore open(const fs::path& dir);

    const fs::path& dir() const noexcept { return m_dir; }
    const ike::crypto::Certificate& certificate() const noexcept { return m_cert; }
    // ca.key, refused if others may read it; a passphrase for an encrypted key.
    ike::crypto::CertificateAuthority load_key(const std::optional<std::string>& passphrase) const;

    std::vector<IndexEntry>& index() noexcept { return m_index; }
    const std::vector<IndexEntry>& index() const noexcept { return m_index; }
    std::uint64_t next_serial() { return ++m_serial; }
    std::uint64_t next_crl_number() { return ++m_crl_number; }
    std::uint64_t next_directory_serial() { return ++m_directory_serial; }
    std::uint64_t crl_number() const noexcept { return m_crl_number; }

    // The newest certificate issued for a name and not revoked (expired ones included).
    const IndexEntry* newest_unrevoked(const std::string& name) const;
    fs::path cert_path(std::uint64_t serial) const;

    // The CA's blocks, the whole mesh: what every node's subnets must lie in.
    void check_subnets_allowed(const ike::TrafficSelectors& subnets) const;
    // No other name's valid (unrevoked, unexpired) certificate claims any of these subnets.
    void check_no_overlap(const std::string& name, const ike::TrafficSelectors& subnets, Time now) const;
    void check_lifetime(Time not_after) const;

    // Stages the state files (counters and index) into `w`.
    void stage_state(WriteSet& w) const;
    // A v2 CRL of every revoked certificate (crl.number + 1), staged as crl.pem.
    void stage_crl(WriteSet& w, const ike::crypto::CertificateAuthority& ca, Time now, Time next_update,
                   ike::crypto::Rng& rng);

    // A new CA directory's files (init).
    // With an empty CRL (number 1, valid for a week), so nodes have one before any revocation.
    static void stage_new(WriteSet& w, const fs::path& dir, const ike::crypto::CertificateAuthority& ca,
                          const std::string& key_pem, Time now, ike::crypto::Rng& rng);

private:
    CaStore(fs::path dir, ike::crypto::Certificate cert) : m_dir(std::move(dir)), m_cert(std::move(cert)) {}

    fs::path m_dir;
    ike::crypto::Certificate m_cert;
    std::vector<IndexEntry> m_index;
    std::uint64_t m_serial = 0;
    std::uint64_t m_crl_number = 0;
    std::uint64_t m_directory_serial = 0;
};

// Subnets (TrafficSelectors from policy::parse_subnet) as RFC 3779 blocks, and back.
ike::crypto::IpAddrBlocks to_blocks(const ike::TrafficSelectors& subnets);
ike::TrafficSelectors from_blocks(const ike::crypto::IpAddrBlocks& blocks);
std::string join_subnets(const ike::TrafficSelectors& subnets);
std::string join_addresses(const std::vector<ike::IpAddress>& addresses);  // "-" when empty

}  // namespace meshca
