// Blocklist and identity checks on a verified peer certificate.
#include "policy/authorize.hpp"
#include "wire/types.hpp"

#include "crypto/hash.hpp"

#include <algorithm>
#include <cctype>

namespace ike::policy {
namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

VerifyFailure fail(AuthFailure r, std::string detail) { return VerifyFailure{r, std::move(detail)}; }

}  // namespace

bool identity_matches(const PeerFacts& peer, const Identity& id) {
    switch (id.type) {
        case wire::IdType::fqdn: {
            const std::string_view name(reinterpret_cast<const char*>(id.data.data()), id.data.size());
            return std::any_of(peer.dns_names.begin(), peer.dns_names.end(),
                               [&](const std::string& d) { return iequal(d, name); });
        }
        case wire::IdType::ipv4_addr:
        case wire::IdType::ipv6_addr: {
            const auto a = IpAddress::from_bytes(id.data);
            return a && std::find(peer.addresses.begin(), peer.addresses.end(), *a) != peer.addresses.end();
        }
        case wire::IdType::rfc822_addr:
        case wire::IdType::der_asn1_dn:
        case wire::IdType::der_asn1_gn:
        case wire::IdType::key_id:
        case wire::IdType::null:
            break;
    }
    return false;
}

Expected<void, VerifyFailure> check_blocklist(const PeerFacts& peer, const RevocationPolicy& policy) {
    for (const auto& h : policy.blocked_spki_sha256)
        if (h == peer.spki_sha256) return unexpected(fail(AuthFailure::blocklisted, "public key is blocklisted"));
    std::optional<std::array<std::uint8_t, 32>> issuer_hash;  // computed once, if a hashed entry asks
    for (const auto& is : policy.blocked_serials) {
        if (is.serial != peer.serial) continue;
        if (is.issuer_dn_sha256 && !issuer_hash) issuer_hash = crypto::sha256({peer.issuer_dn});
        if (is.issuer_dn_sha256 ? *is.issuer_dn_sha256 == *issuer_hash : is.issuer_dn == peer.issuer_dn)
            return unexpected(fail(AuthFailure::blocklisted, "issuer and serial are blocklisted"));
    }
    for (const auto& name : policy.blocked_names)
        for (const auto& d : peer.dns_names)
            if (iequal(name, d)) return unexpected(fail(AuthFailure::blocklisted, "name " + d + " is blocklisted"));
    return {};
}

Expected<void, VerifyFailure> authorize(const PeerFacts& peer, const RevocationPolicy& policy,
                                        const Identity& claimed) {
    if (auto b = check_blocklist(peer, policy); !b) return b;
    if (!identity_matches(peer, claimed))
        return unexpected(fail(AuthFailure::identity_mismatch, "identity " + claimed.to_string() +
                                                                   " is not a subjectAltName of the certificate"));
    return {};
}

}  // namespace ike::policy
