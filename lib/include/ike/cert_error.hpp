// Named reasons for every failure of authentication in lib/crypto: keys, AUTH signatures
// (RFC 7427) and X.509 certificate verification. Nebula style: the caller logs and reports the
// reason, and a test can assert the exact one.
#pragma once

#include "ike/expected.hpp"

#include <string_view>

namespace ike::crypto {

enum class CertError {
    Malformed,                 // DER/PEM that does not parse, or a field of the wrong shape
    UnsupportedAlgorithm,      // a key type, signature or hash algorithm we do not implement
    KeyMismatch,               // the signature scheme does not fit the key (Ed25519 vs ECDSA ...)
    HashNotAnnounced,          // peer signed with a hash we did not announce (RFC 7427 §4)
    NoCommonHash,              // nothing in the peer's SIGNATURE_HASH_ALGORITHMS fits our key
    SignatureMismatch,         // a signature (AUTH, certificate or CRL) does not verify
    UnknownCa,                 // no chain from the certificate to the configured CA
    NotACa,                    // an issuer without basicConstraints cA=TRUE (or path length hit)
    ChainTooLong,              // more intermediates than we are willing to walk
    Expired,                   // now > notAfter of a certificate in the chain
    NotYetValid,               // now < notBefore of a certificate in the chain
    BadKeyUsage,               // keyUsage lacks digitalSignature (leaf) or keyCertSign/cRLSign
    UnknownCriticalExtension,  // a critical extension we do not understand (RFC 5280 §4.2)
    Revoked,                   // the serial is on the issuer's CRL
    CrlInvalid,                // the CRL is not signed by the CA (or the issuing intermediate), or not yet valid
    CrlExpired,                // strict expiry: the issuer's newest CRL is past its nextUpdate
    IdentityMismatch,          // the IKE identity matches no SAN nor the subject
    SubnetNotAllowed,          // an address range outside the certificate's RFC 3779 blocks
    InvalidArgument,           // a caller error (empty DNS name, bad validity interval ...)
};

std::string_view to_string(CertError e) noexcept;

template <typename T>
using CertResult = Expected<T, CertError>;

}  // namespace ike::crypto
