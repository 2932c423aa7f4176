// The IKEv2 PRF (HMAC-SHA2, RFC 4868) and prf+ (RFC 7296 §2.13), and the truncated HMAC
// integrity transforms. Botan stays behind a pimpl. A Prf object is not thread-safe (it keeps
// one HMAC state); create one per SA or per thread.
#pragma once

#include "crypto/errors.hpp"
#include "crypto/secret.hpp"
#include "crypto/transforms.hpp"

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

namespace ike::crypto {

using Bytes = std::span<const std::uint8_t>;

class Prf {
public:
    static CryptoResult<Prf> create(PrfId id);

    Prf(Prf&&) noexcept;
    Prf& operator=(Prf&&) noexcept;
    ~Prf();

    PrfId id() const noexcept;
    std::size_t output_len() const noexcept;
    std::size_t key_len() const noexcept;  // preferred key length (RFC 7296 §2.13)

    // prf(key, part1 | part2 | ...): the parts are concatenated without copying.
    SecureBytes compute(Bytes key, std::initializer_list<Bytes> data);
    SecureBytes compute(Bytes key, Bytes data) { return compute(key, {data}); }

    // prf+(key, seed) truncated to `length` octets (RFC 7296 §2.13): T1 = prf(K, S | 0x01),
    // Tn = prf(K, Tn-1 | S | n). At most 255 blocks; more is InvalidLength.
    CryptoResult<SecureBytes> prf_plus(Bytes key, std::initializer_list<Bytes> seed, std::size_t length);
    CryptoResult<SecureBytes> prf_plus(Bytes key, Bytes seed, std::size_t length) {
        return prf_plus(key, {seed}, length);
    }

private:
    struct Impl;
    explicit Prf(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> m_impl;
};

// The truncated HMAC integrity transform (RFC 4868 §2.1.1), used by the SK payload with AES-CBC.
// The key must have the transform's key length.
CryptoResult<std::vector<std::uint8_t>> integ_compute(IntegId id, Bytes key, std::initializer_list<Bytes> data);

}  // namespace ike::crypto
