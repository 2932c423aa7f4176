// The IKEv2 transforms libike implements, by their IANA numbers (RFC 7296 §3.3.2 and the IANA
// "IKEv2 Parameters" registry), and the suites an IKE SA or a child SA negotiates from them
// (Config::proposals, IkeSaUp, ChildSaUp).
#pragma once

#include <cstdint>

namespace ike::crypto {

enum class EncrId : std::uint16_t {
    AesCbc = 12,             // RFC 3602; with an INTEG transform
    AesGcm16 = 20,           // RFC 4106 / RFC 5282, 16-octet ICV
    ChaCha20Poly1305 = 28,   // RFC 7634
};

enum class PrfId : std::uint16_t {
    HmacSha2_256 = 5,  // RFC 4868
    HmacSha2_384 = 6,
    HmacSha2_512 = 7,
};

enum class IntegId : std::uint16_t {
    None = 0,              // with AEAD ciphers
    HmacSha2_256_128 = 12, // RFC 4868
    HmacSha2_384_192 = 13,
    HmacSha2_512_256 = 14,
};

enum class KeId : std::uint16_t {
    Modp2048 = 14,  // RFC 3526
    Modp3072 = 15,
    Modp4096 = 16,
    Ecp256 = 19,    // RFC 5903
    Ecp384 = 20,
    Ecp521 = 21,
    Curve25519 = 31,  // RFC 8031
};

// The SK payload cipher suite of an IKE SA (integ is None with an AEAD cipher).
struct SkSuite {
    EncrId encr;
    std::uint16_t key_bits;
    IntegId integ;
};

// The full IKE SA suite: the PRF, the SK payload protection, and the key exchange group.
struct IkeSuite {
    PrfId prf;
    SkSuite sk;
    KeId ke;
};

// An ESP transform set for a child SA (integ is None with an AEAD cipher).
struct EspSuite {
    EncrId encr;
    std::uint16_t key_bits;
    IntegId integ;
};

}  // namespace ike::crypto
