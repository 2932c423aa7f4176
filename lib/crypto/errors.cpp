// Names of the crypto error reasons, for logs and test messages.
#include "crypto/errors.hpp"

namespace ike::crypto {

std::string_view to_string(CryptoError e) noexcept {
    switch (e) {
        case CryptoError::UnsupportedTransform: return "unsupported transform";
        case CryptoError::InvalidKeyLength: return "invalid key length";
        case CryptoError::InvalidLength: return "invalid length";
        case CryptoError::PublicValueLength: return "public value has the wrong length";
        case CryptoError::PublicValueOutOfRange: return "public value out of range";
        case CryptoError::PointNotOnCurve: return "point not on curve";
        case CryptoError::PointAtInfinity: return "point at infinity";
        case CryptoError::AllZeroSharedSecret: return "all-zero shared secret";
        case CryptoError::MalformedCiphertext: return "malformed ciphertext";
        case CryptoError::IntegrityCheckFailed: return "integrity check failed";
        case CryptoError::InvalidPadding: return "invalid padding";
        case CryptoError::IvSpaceExhausted: return "IV space exhausted";
        case CryptoError::InternalError: return "internal crypto error";
    }
    return "unknown crypto error";
}

}  // namespace ike::crypto
