// The CA directory on disk: parsing and writing its state files, and the checks that need the
// whole index (overlapping subnets, the CA's own blocks and lifetime).
#include "ca_store.hpp"

#include "errors.hpp"
#include "policy/mesh_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace meshca {
namespace crypto = ike::crypto;
namespace policy = ike::policy;
namespace {

constexpr std::array<std::pair<std::string_view, crypto::RevocationReason>, 7> kReasons{{
    {"unspecified", crypto::RevocationReason::Unspecified},
    {"key-compromise", crypto::RevocationReason::KeyCompromise},
    {"ca-compromise", crypto::RevocationReason::CaCompromise},
    {"affiliation-changed", crypto::RevocationReason::AffiliationChanged},
    {"superseded", crypto::RevocationReason::Superseded},
    {"cessation-of-operation", crypto::RevocationReason::CessationOfOperation},
    {"privilege-withdrawn", crypto::RevocationReason::PrivilegeWithdrawn},
}};

std::uint64_t parse_counter(const fs::path& path) {
    const auto text = read_file(path);
    std::uint64_t v = 0;
    const auto end = text.find('\n');
    const auto digits = std::string_view(text).substr(0, end);
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size())
        throw Refused(path.string() + ": not a decimal number");
    return v;
}

std::string counter_text(std::uint64_t v) { return std::to_string(v) + "\n"; }

[[noreturn]] void bad_index(const fs::path& path, std::size_t line, const std::string& what) {
    throw Refused(path.string() + ":" + std::to_string(line) + ": " + what);
}

IndexEntry parse_index_line(const fs::path& path, const policy::TextLine& line) {
    const auto t = policy::split_tokens(line.text);
    if (!t || (t->size() != 6 && t->size() != 8)) bad_index(path, line.number, "expected 6 or 8 fields");
    const auto& f = *t;
    IndexEntry e;
    const auto r = std::from_chars(f[0].data(), f[0].data() + f[0].size(), e.serial);
    if (r.ec != std::errc() || r.ptr != f[0].data() + f[0].size()) bad_index(path, line.number, "bad serial");
    if (f[1] != "valid" && f[1] != "revoked") bad_index(path, line.number, "status must be valid or revoked");
    e.revoked = f[1] == "revoked";
    const auto na = policy::parse_utc_time(f[2]);
    if (!na) bad_index(path, line.number, "bad not-after time");
    e.not_after = *na;
    e.name = std::string(f[3]);
    std::string_view rest = f[4];
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        auto ts = policy::parse_subnet(rest.substr(0, comma));
        if (!ts) bad_index(path, line.number, ts.error());
        e.subnets.push_back(*ts);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    rest = f[5] == "-" ? std::string_view() : f[5];
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto a = policy::parse_address(rest.substr(0, comma));
        if (!a) bad_index(path, line.number, "bad endpoint");
        e.endpoints.push_back(*a);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    if (e.revoked != (f.size() == 8)) bad_index(path, line.number, "a revoked entry has a date and a reason");
    if (e.revoked) {
        const auto at = policy::parse_utc_time(f[6]);
        const auto why = parse_reason(f[7]);
        if (!at || !why) bad_index(path, line.number, "bad revocation date or reason");
        e.revoked_at = *at;
        e.reason = *why;
    }
    return e;
}

std::string index_text(const std::vector<IndexEntry>& index) {
    std::string out = "# meshca index: serial status not-after name subnets endpoints [revoked-at reason]\n";
    for (const auto& e : index) {
        out += std::to_string(e.serial) + (e.revoked ? " revoked " : " valid ") + policy::format_utc_time(e.not_after) +
               " " + e.name + " " + join_subnets(e.subnets) + " " + join_addresses(e.endpoints);
        if (e.revoked) out += " " + policy::format_utc_time(e.revoked_at) + " " + std::string(reason_name(e.reason));
        out += "\n";
    }
    return out;
}

}  // namespace

std::optional<crypto::RevocationReason> parse_reason(std::string_view text) {
    for (const auto& [name, r] : kReasons)
        if (name == text) return r;
    return std::nullopt;
}

std::string_view reason_name(crypto::RevocationReason r) {
    for (const auto& [name, v] : kReasons)
        if (v == r) return name;
    return "unspecified";
}

std::string reason_names() {
    std::string out;
    for (const auto& [name, r] : kReasons) out += (out.empty() ? "" : ", ") + std::string(name);
    return out;
}

crypto::IpAddrBlocks to_blocks(const ike::TrafficSelectors& subnets) {
    crypto::IpAddrBlocks b;
    for (const auto& ts : subnets) {
        const auto r = crypto::IpRange::range(ts.start.octets(), ts.end.octets());
        if (r) b.add(*r);
    }
    return b;
}

ike::TrafficSelectors from_blocks(const crypto::IpAddrBlocks& blocks) {
    ike::TrafficSelectors out;
    for (const auto fam : {crypto::IpFamily::V4, crypto::IpFamily::V6}) {
        const std::size_t n = fam == crypto::IpFamily::V4 ? 4 : 16;
        for (const auto& r : blocks.ranges(fam)) {
            const auto a = ike::IpAddress::from_bytes(std::span<const std::uint8_t>(r.first.data(), n));
            const auto b = ike::IpAddress::from_bytes(std::span<const std::uint8_t>(r.last.data(), n));
            if (a && b) out.push_back(ike::TrafficSelector{*a, *b});
        }
    }
    return out;
}

std::string join_subnets(const ike::TrafficSelectors& subnets) {
    std::string out;
    for (const auto& ts : subnets) out += (out.empty() ? "" : ",") + policy::format_subnet(ts);
    return out;
}

std::string join_addresses(const std::vector<ike::IpAddress>& addresses) {
    std::string out;
    for (const auto& a : addresses) out += (out.empty() ? "" : ",") + policy::format_address(a);
    return out.empty() ? "-" : out;
}

CaStore CaStore::open(const fs::path& dir) {
    const auto crt = dir / "ca.crt";
    if (!fs::exists(crt))
        throw Refused("no CA in " + dir.string() + " (no ca.crt; create one with 'meshca init' or give --dir)");
    auto cert = crypto::Certificate::from_pem(read_file(crt));
    if (!cert) throw Refused(crt.string() + ": not a PEM certificate");
    CaStore s(dir, std::move(*cert));
    s.m_serial = parse_counter(dir / "serial");
    s.m_crl_number = parse_counter(dir / "crl.number");
    s.m_directory_serial = parse_counter(dir / "directory.serial");
    const auto index_path = dir / "index.txt";
    const auto text = read_file(index_path);
    for (const auto& line : policy::split_lines(text)) {
        if (line.text.empty() || line.text[0] == '#') continue;
        s.m_index.push_back(parse_index_line(index_path, line));
    }
    return s;
}

crypto::CertificateAuthority CaStore::load_key(const std::optional<std::string>& passphrase) const {
    const auto path = m_dir / "ca.key";
    require_private_mode(path);
    const auto pem = read_file(path);
    const bool encrypted = pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos;
    if (encrypted && !passphrase)
        throw Refused(path.string() + " is encrypted: give --passphrase-file");
    auto key = encrypted ? crypto::PrivateKey::from_pem(pem, *passphrase) : crypto::PrivateKey::from_pem(pem);
    if (!key)
        throw Refused(path.string() + (encrypted ? ": wrong passphrase or damaged key" : ": not a PKCS#8 private key"));
    auto ca = crypto::CertificateAuthority::from(m_cert, std::move(*key));
    if (!ca)
        throw Refused(path.string() + " does not belong to ca.crt (" + std::string(crypto::to_string(ca.error())) + ")");
    return std::move(*ca);
}

const IndexEntry* CaStore::newest_unrevoked(const std::string& name) const {
    const IndexEntry* best = nullptr;
    for (const auto& e : m_index)
        if (e.name == name && !e.revoked && (!best || e.serial > best->serial)) best = &e;
    return best;
}

fs::path CaStore::cert_path(std::uint64_t serial) const { return m_dir / "certs" / (std::to_string(serial) + ".crt"); }

void CaStore::check_subnets_allowed(const ike::TrafficSelectors& subnets) const {
    const auto& ca_blocks = m_cert.ip_blocks();
    for (const auto& ts : subnets) {
        const auto r = crypto::IpRange::range(ts.start.octets(), ts.end.octets());
        if (!ca_blocks || !r || !ca_blocks->contains(*r))
            throw Refused("subnet " + ike::policy::format_subnet(ts) + " lies outside the CA's own blocks (" +
                          (ca_blocks ? join_subnets(from_blocks(*ca_blocks)) : std::string("none")) + ")");
    }
}

void CaStore::check_no_overlap(const std::string& name, const ike::TrafficSelectors& subnets, Time now) const {
    for (const auto& e : m_index) {
        if (e.revoked || e.name == name || e.not_after < now) continue;
        for (const auto& mine : subnets)
            for (const auto& theirs : e.subnets)
                if (policy::overlaps(mine, theirs))
                    throw Refused("subnet " + policy::format_subnet(mine) + " overlaps " + policy::format_subnet(theirs) +
                                  " of " + e.name + " (serial " + std::to_string(e.serial) + ")");
    }
}

void CaStore::check_lifetime(Time not_after) const {
    if (not_after > m_cert.not_after())
        throw Refused("the lifetime ends at " + policy::format_utc_time(not_after) + ", after the CA's own notAfter " +
                      policy::format_utc_time(m_cert.not_after()));
}

void CaStore::stage_state(WriteSet& w) const {
    w.state(m_dir / "serial", counter_text(m_serial));
    w.state(m_dir / "crl.number", counter_text(m_crl_number));
    w.state(m_dir / "directory.serial", counter_text(m_directory_serial));
    w.state(m_dir / "index.txt", index_text(m_index));
}

void CaStore::stage_crl(WriteSet& w, const crypto::CertificateAuthority& ca, Time now, Time next_update,
                        crypto::Rng& rng) {
    if (next_update <= now) throw UsageError("--next-update must be in the future");
    check_lifetime(next_update);
    std::vector<crypto::RevokedEntry> revoked;
    for (const auto& e : m_index)
        if (e.revoked) revoked.push_back({e.serial, e.revoked_at, e.reason});
    const auto number = next_crl_number();
    const auto der = ca.issue_crl_entries(revoked, now, next_update, number, rng);
    if (!der) throw Refused("cannot sign the CRL: " + std::string(crypto::to_string(der.error())));
    w.state(m_dir / "crl.pem", crypto::der_to_pem(*der, "X509 CRL"));
}

void CaStore::stage_new(WriteSet& w, const fs::path& dir, const crypto::CertificateAuthority& ca,
                        const std::string& key_pem, Time now, crypto::Rng& rng) {
    w.output(dir / "ca.key", key_pem, 0600);
    w.output(dir / "ca.crt", ca.certificate().to_pem());
    const auto next = std::min(now + std::chrono::seconds(7 * 86400), ca.certificate().not_after());
    const auto crl = ca.issue_crl(std::span<const std::uint64_t>(), now, next, 1, rng);
    if (!crl) throw Refused("cannot sign the first CRL: " + std::string(crypto::to_string(crl.error())));
    w.output(dir / "crl.pem", crypto::der_to_pem(*crl, "X509 CRL"));
    w.state(dir / "serial", counter_text(1));  // the CA certificate's own
    w.state(dir / "crl.number", counter_text(1));
    w.state(dir / "directory.serial", counter_text(0));
    w.state(dir / "index.txt", index_text({}));
}

}  // namespace meshca
