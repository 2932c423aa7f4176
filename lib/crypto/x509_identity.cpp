// Binding the IKE identity and the claimed subnets to a verified certificate: the ID must be one
// of the certificate's names (RFC 4945 §3.1: SAN, or the subject for ID_DER_ASN1_DN), and every
// traffic selector range must lie inside its RFC 3779 blocks.
#include "crypto/x509_verify.hpp"

#include "crypto/x509_cert_impl.hpp"

#include <botan/ber_dec.h>
#include <botan/pkix_types.h>

#include <algorithm>
#include <cctype>

namespace ike::crypto {
namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool any_iequal(const std::vector<std::string>& names, std::span<const std::uint8_t> id) {
    const std::string_view s(reinterpret_cast<const char*>(id.data()), id.size());
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequal(n, s); });
}

template <std::size_t N>
bool any_address(const std::vector<std::array<std::uint8_t, N>>& list,
                 std::span<const std::uint8_t> id) {
    return std::any_of(list.begin(), list.end(), [&](const auto& a) {
        return std::equal(a.begin(), a.end(), id.begin(), id.end());
    });
}

bool same_dn(const Certificate& cert, std::span<const std::uint8_t> id) {
    try {
        Botan::X509_DN dn;
        Botan::BER_Decoder(id.data(), id.size()).decode(dn).verify_end();
        return dn == cert.impl().cert.subject_dn();
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

CertResult<void> VerifiedPeer::check_identity(IdType type, std::span<const std::uint8_t> id) const {
    const auto& names = m_leaf.alt_names();
    bool match = false;
    switch (type) {
        case IdType::Fqdn: match = !id.empty() && any_iequal(names.dns, id); break;
        case IdType::Rfc822Addr: match = !id.empty() && any_iequal(names.email, id); break;
        case IdType::Ipv4Addr:
            if (id.size() != 4) {
                return unexpected(CertError::Malformed);
            }
            match = any_address(names.ipv4, id);
            break;
        case IdType::Ipv6Addr:
            if (id.size() != 16) {
                return unexpected(CertError::Malformed);
            }
            match = any_address(names.ipv6, id);
            break;
        case IdType::DerAsn1Dn: match = same_dn(m_leaf, id); break;
        case IdType::DerAsn1Gn:
        case IdType::KeyId: match = false; break;
    }
    if (!match) {
        return unexpected(CertError::IdentityMismatch);
    }
    return {};
}

CertResult<void> VerifiedPeer::check_subnet(const IpRange& range) const {
    if (!m_blocks || !m_blocks->contains(range)) {
        return unexpected(CertError::SubnetNotAllowed);
    }
    return {};
}

}  // namespace ike::crypto
