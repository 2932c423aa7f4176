// The test PKI's encoding: "TCRT" | fields as (u16 length, bytes) | signature; "TCRL" likewise.
#include "test_pki.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include "crypto/hash.hpp"
#include "crypto/sign.hpp"
#include "ike/events.hpp"

namespace ike::sim {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put(Bytes& out, std::span<const std::uint8_t> field) {
    out.push_back(static_cast<std::uint8_t>(field.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(field.size()));
    out.insert(out.end(), field.begin(), field.end());
}

void put_str(Bytes& out, const std::string& s) { put(out, std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); }

Bytes be64(std::int64_t v) {
    Bytes b(8);
    for (int i = 7; i >= 0; --i, v >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return b;
}

std::int64_t read64(std::span<const std::uint8_t> b) {
    std::uint64_t v = 0;
    for (const auto x : b) v = v << 8 | x;
    return static_cast<std::int64_t>(v);
}

struct Reader {
    std::span<const std::uint8_t> in;
    bool ok = true;
    std::span<const std::uint8_t> next() {
        if (in.size() < 2) {
            ok = false;
            return {};
        }
        const std::size_t n = static_cast<std::size_t>(in[0] << 8 | in[1]);
        if (in.size() < 2 + n) {
            ok = false;
            return {};
        }
        auto f = in.subspan(2, n);
        in = in.subspan(2 + n);
        return f;
    }
};

std::int64_t secs(Time t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }
// The engine fuzzer feeds re-encrypted CERT payloads here, so the seconds are any 64-bit value:
// clamp to what Time's duration (nanoseconds) holds instead of overflowing in the conversion.
Time from_secs(std::int64_t s) {
    using Limits = std::numeric_limits<Time::rep>;
    const std::int64_t per_sec = std::chrono::duration_cast<Time::duration>(std::chrono::seconds{1}).count();
    return Time{std::chrono::seconds{std::clamp<std::int64_t>(s, Limits::min() / per_sec, Limits::max() / per_sec)}};
}

Bytes encode_ts(const TrafficSelectors& ts) {
    Bytes out;
    for (const auto& t : ts) {
        out.push_back(t.start.family == IpAddress::Family::v4 ? 4 : 6);
        const auto s = t.start.octets();
        const auto e = t.end.octets();
        out.insert(out.end(), s.begin(), s.end());
        out.insert(out.end(), e.begin(), e.end());
    }
    return out;
}

TrafficSelectors decode_ts(std::span<const std::uint8_t> in) {
    TrafficSelectors out;
    while (!in.empty()) {
        const std::size_t n = in[0] == 4 ? 4 : 16;
        if (in.size() < 1 + 2 * n) break;
        out.push_back(TrafficSelector{*IpAddress::from_bytes(in.subspan(1, n)), *IpAddress::from_bytes(in.subspan(1 + n, n))});
        in = in.subspan(1 + 2 * n);
    }
    return out;
}

struct Parsed {
    Bytes tbs;
    std::string dns;
    std::vector<IpAddress> addresses;
    TrafficSelectors allowed;
    Time not_before, not_after;
    Bytes serial, issuer, spki, signature;
};

std::optional<Parsed> parse_cert(std::span<const std::uint8_t> der) {
    if (der.size() < 4 || !std::equal(der.begin(), der.begin() + 4, "TCRT")) return std::nullopt;
    Reader r{der.subspan(4)};
    Parsed p;
    const auto dns = r.next();
    p.dns.assign(dns.begin(), dns.end());
    // Each address: family octet (4 or 6) then 4 or 16 octets. Fuzzed input reaches this before
    // the signature check, so a short or odd entry makes the certificate unparsable.
    for (auto a = r.next(); r.ok && !a.empty();) {
        const std::size_t n = a[0] == 4 ? 4 : a[0] == 6 ? 16 : 0;
        if (n == 0 || a.size() < 1 + n) return std::nullopt;
        p.addresses.push_back(*IpAddress::from_bytes(a.subspan(1, n)));
        a = a.subspan(1 + n);
    }
    p.allowed = decode_ts(r.next());
    p.not_before = from_secs(read64(r.next()));
    p.not_after = from_secs(read64(r.next()));
    const auto serial = r.next(), issuer = r.next(), spki = r.next();
    p.serial.assign(serial.begin(), serial.end());
    p.issuer.assign(issuer.begin(), issuer.end());
    p.spki.assign(spki.begin(), spki.end());
    const std::size_t tbs_len = der.size() - r.in.size();
    const auto sig = r.next();
    if (!r.ok) return std::nullopt;
    p.tbs.assign(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(tbs_len));
    p.signature.assign(sig.begin(), sig.end());
    return p;
}

class Verifier final : public CertificateVerifier {
public:
    Verifier(crypto::PublicKey ca, Bytes issuer) : m_ca(std::move(ca)), m_issuer(std::move(issuer)) {}

    Expected<VerifiedPeer, VerifyFailure> verify(std::span<const std::vector<std::uint8_t>> chain,
                                                 const RevocationPolicy& revocation, Time now) const override {
        const auto fail = [](AuthFailure r, std::string d) { return unexpected(VerifyFailure{r, std::move(d)}); };
        if (chain.empty()) return fail(AuthFailure::no_certificate, "empty chain");
        const auto p = parse_cert(chain.front());
        if (!p) return fail(AuthFailure::malformed_certificate, "unparsable test certificate");
        if (p->issuer != m_issuer ||
            !crypto::verify(m_ca, crypto::SignatureScheme::Ed25519, p->tbs, p->signature))
            return fail(AuthFailure::unknown_ca, "not signed by the trusted CA");
        if (now < p->not_before) return fail(AuthFailure::not_yet_valid, "not yet valid");
        if (now > p->not_after) return fail(AuthFailure::expired, "expired");
        for (const auto& crl : revocation.crls)
            if (revoked_by(crl, p->serial)) return fail(AuthFailure::revoked, "serial on the CA's CRL");
        auto key = crypto::PublicKey::from_spki_der(p->spki);
        if (!key) return fail(AuthFailure::malformed_certificate, "bad public key");
        VerifiedPeer v{{}, *key, p->allowed};
        v.dns_names = {p->dns};
        v.addresses = p->addresses;
        v.not_after = p->not_after;
        v.spki_sha256 = crypto::sha256({p->spki});
        v.issuer_dn = p->issuer;
        v.serial = p->serial;
        return v;
    }

    // The same revocation checks from what the engine kept of the peer (no certificate).
    Expected<void, VerifyFailure> recheck(const PeerFacts& peer, const RevocationPolicy& revocation,
                                          Time now) const override {
        if (now > peer.not_after) return unexpected(VerifyFailure{AuthFailure::expired, "expired"});
        for (const auto& crl : revocation.crls)
            if (revoked_by(crl, peer.serial)) return unexpected(VerifyFailure{AuthFailure::revoked, "serial on the CA's CRL"});
        return {};
    }

    std::array<std::uint8_t, 20> ca_key_id() const override { return crypto::sha1({m_ca.spki_der()}); }

private:
    bool revoked_by(std::span<const std::uint8_t> crl, const Bytes& serial) const {
        if (crl.size() < 4 || !std::equal(crl.begin(), crl.begin() + 4, "TCRL")) return false;
        Reader r{crl.subspan(4)};
        const auto list = r.next();
        const std::size_t tbs_len = crl.size() - r.in.size();
        const auto sig = r.next();
        if (!r.ok || !crypto::verify(m_ca, crypto::SignatureScheme::Ed25519, crl.first(tbs_len), sig)) return false;
        Reader entries{list};
        for (auto s = entries.next(); entries.ok; s = entries.next())
            if (std::equal(s.begin(), s.end(), serial.begin(), serial.end())) return true;
        return false;
    }

    crypto::PublicKey m_ca;
    Bytes m_issuer;
};

}  // namespace

TestCa::TestCa(std::string name, std::uint64_t seed, crypto::KeyType type)
    : m_name(std::move(name)), m_rng(crypto::make_seeded_rng(seed)) {
    m_key = std::make_shared<crypto::PrivateKey>(*crypto::PrivateKey::generate(type, *m_rng));
}

std::vector<std::uint8_t> TestCa::issuer_dn() const {
    const std::string dn = "CN=" + m_name;
    return Bytes(dn.begin(), dn.end());
}

std::vector<std::uint8_t> TestCa::issue(const CertSpec& spec, const crypto::PublicKey& subject_key) {
    Bytes out{'T', 'C', 'R', 'T'};
    put_str(out, spec.dns_name);
    Bytes addrs;
    for (const auto& a : spec.addresses) {
        addrs.push_back(a.family == IpAddress::Family::v4 ? 4 : 6);
        const auto o = a.octets();
        addrs.insert(addrs.end(), o.begin(), o.end());
    }
    put(out, addrs);
    put(out, encode_ts(spec.allowed));
    put(out, be64(secs(spec.not_before)));
    put(out, be64(secs(spec.not_after)));
    put(out, spec.serial);
    put(out, issuer_dn());
    put(out, subject_key.spki_der());
    put(out, *crypto::sign(*m_key, crypto::SignatureScheme::Ed25519, out, *m_rng));
    return out;
}

std::vector<std::uint8_t> TestCa::crl(const std::vector<std::vector<std::uint8_t>>& revoked_serials) {
    Bytes out{'T', 'C', 'R', 'L'};
    Bytes list;
    for (const auto& s : revoked_serials) put(list, s);
    put(out, list);
    put(out, *crypto::sign(*m_key, crypto::SignatureScheme::Ed25519, out, *m_rng));
    return out;
}

std::shared_ptr<const CertificateVerifier> TestCa::verifier() const {
    return std::make_shared<Verifier>(m_key->public_key(), issuer_dn());
}

std::vector<std::uint8_t> TestCa::certificate() const {
    const auto spki = m_key->public_key().spki_der();
    return Bytes(spki.begin(), spki.end());
}

NodeIdentity make_node(TestCa& ca, const std::string& name, const IpAddress& address, const TrafficSelector& subnet,
                       std::uint64_t seed, CertSpec spec) {
    auto rng = crypto::make_seeded_rng(seed);
    auto key = std::make_shared<crypto::PrivateKey>(*crypto::PrivateKey::generate(crypto::KeyType::Ed25519, *rng));
    if (spec.dns_name.empty()) spec.dns_name = name;
    if (spec.allowed.empty()) spec.allowed = {subnet};
    if (spec.not_before == Time{}) spec.not_before = Time{std::chrono::seconds{1780272000 - 86400}};
    if (spec.not_after == Time{}) spec.not_after = Time{std::chrono::seconds{1780272000 + 30 * 86400}};
    const auto cert = ca.issue(spec, key->public_key());
    return NodeIdentity{name, address, subnet, key, cert};
}

Config make_config(const TestCa& ca, const NodeIdentity& node) {
    Config c;
    c.credentials.local_id = Identity::fqdn(node.name);
    c.credentials.certificate_chain = {node.certificate};
    c.credentials.private_key = node.key;
    c.credentials.ca_certificate = ca.certificate();
    c.local_traffic = {node.subnet};
    c.verifier = ca.verifier();
    return c;
}

}  // namespace ike::sim
