// Printable names of CertError, for logs and AuthFailed events.
#include "crypto/cert_error.hpp"

namespace ike::crypto {

std::string_view to_string(CertError e) noexcept {
    switch (e) {
        case CertError::Malformed: return "Malformed";
        case CertError::UnsupportedAlgorithm: return "UnsupportedAlgorithm";
        case CertError::KeyMismatch: return "KeyMismatch";
        case CertError::HashNotAnnounced: return "HashNotAnnounced";
        case CertError::NoCommonHash: return "NoCommonHash";
        case CertError::SignatureMismatch: return "SignatureMismatch";
        case CertError::UnknownCa: return "UnknownCa";
        case CertError::NotACa: return "NotACa";
        case CertError::ChainTooLong: return "ChainTooLong";
        case CertError::Expired: return "Expired";
        case CertError::NotYetValid: return "NotYetValid";
        case CertError::BadKeyUsage: return "BadKeyUsage";
        case CertError::UnknownCriticalExtension: return "UnknownCriticalExtension";
        case CertError::Revoked: return "Revoked";
        case CertError::CrlInvalid: return "CrlInvalid";
        case CertError::CrlExpired: return "CrlExpired";
        case CertError::IdentityMismatch: return "IdentityMismatch";
        case CertError::SubnetNotAllowed: return "SubnetNotAllowed";
        case CertError::InvalidArgument: return "InvalidArgument";
    }
    return "Unknown";
}

}  // namespace ike::crypto
