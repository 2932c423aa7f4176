// Protection of the IKEv2 Encrypted payload (SK, RFC 7296 §3.14; RFC 5282 for AEAD; RFC 7634).
// The caller (the IKE engine) builds the IKE header and the SK generic payload header itself, so
// this module never sees lib/wire types:
//   aad  = the message from the first octet of the IKE header to the end of the SK generic
//          header (the IKE header and SK header lengths already final: use body_length()).
//   body = what follows the SK generic header: IV | encrypted(inner | padding | pad length) | ICV.
// IVs: AEAD uses an 8-octet explicit IV that is a per-key message counter (big-endian), so it
// never repeats for a key; when it would wrap, protect() fails with IvSpaceExhausted (rekey).
// AES-CBC uses a fresh unpredictable 16-octet IV per message from a DRBG seeded by the Rng.
#pragma once

#include "crypto/errors.hpp"
#include "crypto/key_schedule.hpp"
#include "crypto/rng.hpp"
#include "crypto/secret.hpp"
#include "crypto/transforms.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ike::crypto {

class SkProtector {
public:
    // encr_key: SK_e (key | salt for AEAD); integ_key: SK_a (empty for AEAD). first_iv: the
    // counter value of the first AEAD message (tests reproducing a published message set it).
    static CryptoResult<SkProtector> create(const SkSuite& suite, std::span<const std::uint8_t> encr_key,
                                            std::span<const std::uint8_t> integ_key, Rng& rng,
                                            std::uint64_t first_iv = 0);
    // Our sending direction: SK_ei/SK_ai for the initiator, SK_er/SK_ar for the responder.
    static CryptoResult<SkProtector> outbound(const SkSuite& suite, const IkeSaKeys& keys, Role self, Rng& rng);

    SkProtector(SkProtector&&) noexcept;
    SkProtector& operator=(SkProtector&&) noexcept;
    ~SkProtector();

    // Octets of body for `inner_len` octets of inner payloads (IV, padded ciphertext, ICV).
    std::size_t body_length(std::size_t inner_len) const noexcept;
    // The SK body for the given inner payloads. body.size() == body_length(inner.size()).
    CryptoResult<std::vector<std::uint8_t>> protect(std::span<const std::uint8_t> aad,
                                                    std::span<const std::uint8_t> inner);
    // The same with the AAD in two pieces: the IKE header (with any unencrypted payloads) and the
    // SK (or SKF, RFC 7383) generic header, when the caller holds them apart.
    CryptoResult<std::vector<std::uint8_t>> protect(std::span<const std::uint8_t> ike_header,
                                                    std::span<const std::uint8_t> sk_header,
                                                    std::span<const std::uint8_t> inner);
    // Drops the keyed cipher objects (Botan's key schedules and GHASH tables, most of an idle
    // SA's memory); only the raw keys (and the IV counter) stay. The next protect() makes them
    // again. For an SA between exchanges.
    void release_cipher() noexcept;

private:
    struct Impl;
    explicit SkProtector(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> m_impl;
};

class SkUnprotector {
public:
    static CryptoResult<SkUnprotector> create(const SkSuite& suite, std::span<const std::uint8_t> encr_key,
                                              std::span<const std::uint8_t> integ_key);
    // The peer's sending direction (what we receive): SK_er/SK_ar when we are the initiator.
    static CryptoResult<SkUnprotector> inbound(const SkSuite& suite, const IkeSaKeys& keys, Role self);

    SkUnprotector(SkUnprotector&&) noexcept;
    SkUnprotector& operator=(SkUnprotector&&) noexcept;
    ~SkUnprotector();

    // The inner payloads, padding removed. The ICV/tag is checked (in constant time) before
    // anything is decrypted; any failure is a typed error and the message must be dropped.
    CryptoResult<SecureBytes> unprotect(std::span<const std::uint8_t> aad, std::span<const std::uint8_t> body);
    CryptoResult<SecureBytes> unprotect(std::span<const std::uint8_t> ike_header, std::span<const std::uint8_t> sk_header,
                                        std::span<const std::uint8_t> body);
    // As SkProtector::release_cipher(): the next unprotect() makes the cipher again.
    void release_cipher() noexcept;

private:
    struct Impl;
    explicit SkUnprotector(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ike::crypto
