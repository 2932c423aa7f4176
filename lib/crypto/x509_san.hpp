// The subjectAltName extension (RFC 5280 §4.2.1.6) read and written from its raw DER, because
// Botan 2 drops IPv6 iPAddress entries on decode and cannot encode them.
#pragma once

#include "crypto/cert_error.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ike::crypto {

inline constexpr std::string_view kSubjectAltNameOid = "2.5.29.17";

struct SubjectAltNames {
    std::vector<std::string> dns;                        // dNSName [2]
    std::vector<std::string> email;                      // rfc822Name [1]
    std::vector<std::string> uri;                        // uniformResourceIdentifier [6]
    std::vector<std::array<std::uint8_t, 4>> ipv4;       // iPAddress [7], 4 bytes
    std::vector<std::array<std::uint8_t, 16>> ipv6;      // iPAddress [7], 16 bytes
    std::vector<std::vector<std::uint8_t>> directory;    // directoryName [4]: Name, DER

    bool empty() const noexcept {
        return dns.empty() && email.empty() && uri.empty() && ipv4.empty() && ipv6.empty() &&
               directory.empty();
    }
    friend bool operator==(const SubjectAltNames&, const SubjectAltNames&) = default;
};

// GeneralNames DER (the extnValue contents), entries in the order dns, ipv4, ipv6, email, uri,
// directory. Other GeneralName kinds (otherName, x400...) are skipped on decode.
std::vector<std::uint8_t> encode_subject_alt_names(const SubjectAltNames& names);
CertResult<SubjectAltNames> decode_subject_alt_names(std::span<const std::uint8_t> der);

}  // namespace ike::crypto
