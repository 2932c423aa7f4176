// PLACEHOLDER (see trust_files.hpp): a minimal reader of docs/FORMATS.md's directory and blocklist.
#include "trust_files.hpp"

#include <charconv>
#include <ctime>
#include <sstream>

#include "crypto/hash.hpp"
#include "crypto/sign.hpp"
#include "pem.hpp"

namespace meshd::trust_files {
namespace {

std::vector<std::string_view> tokens(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i <= line.size()) {
        const auto sp = line.find(' ', i);
        out.push_back(line.substr(i, sp == std::string_view::npos ? std::string_view::npos : sp - i));
        if (sp == std::string_view::npos) break;
        i = sp + 1;
    }
    return out;
}

std::optional<std::uint64_t> number(std::string_view s, int base = 10) {
    std::uint64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<ike::Time> utc(std::string_view s) {
    // 2027-01-05T00:00:00Z
    if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return std::nullopt;
    std::tm tm{};
    const auto part = [&](std::size_t at, std::size_t len) { return number(s.substr(at, len)); };
    const auto y = part(0, 4), mo = part(5, 2), d = part(8, 2), h = part(11, 2), mi = part(14, 2), se = part(17, 2);
    if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *se > 60)
        return std::nullopt;
    tm.tm_year = static_cast<int>(*y) - 1900;
    tm.tm_mon = static_cast<int>(*mo) - 1;
    tm.tm_mday = static_cast<int>(*d);
    tm.tm_hour = static_cast<int>(*h);
    tm.tm_min = static_cast<int>(*mi);
    tm.tm_sec = static_cast<int>(*se);
    return ike::Time{std::chrono::seconds{timegm(&tm)}};
}

std::optional<std::vector<std::uint8_t>> hex(std::string_view s) {
    if (s.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const auto b = number(s.substr(i, 2), 16);
        if (!b) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(*b));
    }
    return out;
}

std::optional<ike::TrafficSelector> subnet(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto ip = ike::IpAddress::parse(text.substr(0, slash));
    const auto len = number(text.substr(slash + 1));
    if (!ip || !len || *len > (ip->family == ike::IpAddress::Family::v4 ? 32u : 128u)) return std::nullopt;
    return ike::TrafficSelector::subnet(*ip, static_cast<unsigned>(*len));
}

ike::Unexpected<Failure> fail(unsigned line, std::string detail) { return ike::unexpected(Failure{line, std::move(detail)}); }

ike::crypto::SignatureScheme scheme_for(ike::crypto::KeyType t) {
    switch (t) {
        case ike::crypto::KeyType::EcdsaP256: return ike::crypto::SignatureScheme::EcdsaSha256;
        case ike::crypto::KeyType::EcdsaP384: return ike::crypto::SignatureScheme::EcdsaSha384;
        case ike::crypto::KeyType::EcdsaP521: return ike::crypto::SignatureScheme::EcdsaSha512;
        case ike::crypto::KeyType::Ed25519:
        case ike::crypto::KeyType::Rsa: break;
    }
    return ike::crypto::SignatureScheme::Ed25519;
}

}  // namespace

ike::Expected<Directory, Failure> parse_signed_directory(std::span<const std::uint8_t> file,
                                                         const ike::crypto::Certificate& ca,
                                                         std::uint64_t min_serial, ike::Time now) {
    const std::string_view text(reinterpret_cast<const char*>(file.data()), file.size());
    // The signature covers every byte before its line.
    const auto sig_at = text.rfind("\nsignature ");
    if (sig_at == std::string_view::npos) return fail(0, "no signature line");
    const auto signed_part = file.first(sig_at + 1);
    auto sig_line = text.substr(sig_at + 1);
    if (!sig_line.empty() && sig_line.back() == '\n') sig_line.remove_suffix(1);
    const auto sig_tokens = tokens(sig_line);
    unsigned sig_line_no = 1;
    for (std::size_t i = 0; i <= sig_at; ++i) sig_line_no += text[i] == '\n' ? 1 : 0;
    const auto sig = sig_tokens.size() == 2 ? base64_decode(sig_tokens[1]) : std::nullopt;
    if (!sig) return fail(sig_line_no, "signature: not base64");
    const auto& key = ca.public_key();
    if (!ike::crypto::verify(key, scheme_for(key.type()), signed_part, *sig))
        return fail(sig_line_no, "signature: does not verify with the CA key (tampered or signed by another CA)");
    Directory d;
    bool serial = false, expires = false;
    std::istringstream in{std::string(text.substr(0, sig_at))};
    std::string line;
    for (unsigned n = 1; std::getline(in, line); ++n) {
        const auto t = tokens(line);
        if (n == 1) {
            if (line != "meshd-directory 1") return fail(n, "not a meshd directory (\"meshd-directory 1\")");
        } else if (t[0] == "serial" && t.size() == 2 && number(t[1])) {
            d.serial = *number(t[1]);
            serial = true;
        } else if (t[0] == "expires" && t.size() == 2 && utc(t[1])) {
            d.expires = *utc(t[1]);
            expires = true;
        } else if (t[0] == "node" && t.size() == 4) {
            Peer p;
            p.name = std::string(t[1]);
            if (t[2] != "-") {
                std::stringstream eps{std::string(t[2])};
                for (std::string e; std::getline(eps, e, ',');) {
                    const auto ip = ike::IpAddress::parse(e);
                    if (!ip) return fail(n, "node: \"" + e + "\" is not an IP address");
                    p.endpoints.push_back(*ip);
                }
            }
            std::stringstream subs{std::string(t[3])};
            for (std::string s; std::getline(subs, s, ',');) {
                const auto ts = subnet(s);
                if (!ts) return fail(n, "node: \"" + s + "\" is not a subnet");
                p.subnets.push_back(*ts);
            }
            d.nodes.push_back(std::move(p));
        } else {
            return fail(n, "unexpected line");
        }
    }
    if (!serial || !expires) return fail(0, "serial and expires are required");
    if (now >= d.expires) return fail(0, "expired");
    if (d.serial < min_serial)
        return fail(0, "rollback: serial " + std::to_string(d.serial) + " is below " + std::to_string(min_serial) + ", accepted before");
    return d;
}

ike::Expected<void, Failure> parse_blocklist(std::string_view text, const ike::crypto::Certificate& ca,
                                             ike::RevocationPolicy& policy) {
    const auto ca_dn = ca.subject_dn_der();
    const auto ca_dn_hash = ike::crypto::sha256({ca_dn});
    std::istringstream in{std::string(text)};
    std::string line;
    for (unsigned n = 1; std::getline(in, line); ++n) {
        if (line.empty() || line.front() == '#') continue;
        if (const auto hash = line.find(" #"); hash != std::string::npos) line.resize(hash);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        const auto t = tokens(line);
        if (t[0] == "spki-sha256" && t.size() == 2) {
            const auto h = hex(t[1]);
            if (!h || h->size() != 32) return fail(n, "spki-sha256: not 64 hex digits");
            std::array<std::uint8_t, 32> a{};
            std::copy(h->begin(), h->end(), a.begin());
            policy.blocked_spki_sha256.push_back(a);
        } else if (t[0] == "serial" && t.size() == 4 && t[2] == "issuer") {
            auto serial = hex(t[1].size() % 2 ? "0" + std::string(t[1]) : std::string(t[1]));
            const auto issuer = hex(t[3]);
            if (!serial || serial->empty()) return fail(n, "serial: not hex");
            if (!issuer || issuer->size() != 32) return fail(n, "issuer: not 64 hex digits");
            if (!std::equal(issuer->begin(), issuer->end(), ca_dn_hash.begin()))
                return fail(n, "issuer: not this mesh's CA");
            while (serial->size() > 1 && serial->front() == 0) serial->erase(serial->begin());
            policy.blocked_serials.push_back({std::vector<std::uint8_t>(ca_dn.begin(), ca_dn.end()), *serial});
        } else if (t[0] == "name" && t.size() == 2 && !t[1].empty()) {
            policy.blocked_names.emplace_back(t[1]);
        } else {
            return fail(n, "not a blocklist entry (spki-sha256, serial ... issuer ..., name)");
        }
    }
    return {};
}

}  // namespace meshd::trust_files
