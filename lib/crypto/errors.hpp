// Typed errors of lib/crypto: every failure of a crypto operation is one of these named reasons,
// never an exception (Botan's exceptions are caught inside lib/crypto and mapped here).
#pragma once

#include "ike/expected.hpp"

#include <string_view>

namespace ike::crypto {

enum class CryptoError {
    UnsupportedTransform,   // transform ID / key length not in the registry
    InvalidKeyLength,       // key material of the wrong size for the transform
    InvalidLength,          // an input of a size the operation cannot take (prf+ > 255 blocks, ...)
    PublicValueLength,      // KE payload data of the wrong length for the group
    PublicValueOutOfRange,  // MODP y not in 1 < y < p-1 (RFC 6989 §2.1)
    PointNotOnCurve,        // ECP x||y is not a point of the curve (RFC 6989 §2.3)
    PointAtInfinity,        // ECP identity element or a result that is the identity
    AllZeroSharedSecret,    // X25519 produced the all-zero value (RFC 8031 §2)
    MalformedCiphertext,    // SK payload too short or not block aligned
    IntegrityCheckFailed,   // ICV / AEAD tag mismatch
    InvalidPadding,         // pad length larger than the decrypted data
    IvSpaceExhausted,       // the AEAD message counter would repeat: rekey the SA
    InternalError,          // an unexpected failure inside the crypto library
};

std::string_view to_string(CryptoError e) noexcept;

template <typename T>
using CryptoResult = Expected<T, CryptoError>;

}  // namespace ike::crypto
