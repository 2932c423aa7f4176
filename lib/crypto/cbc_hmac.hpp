// AES-CBC encryption with a separate truncated HMAC integrity transform, as the IKEv2 SK payload
// uses them (RFC 7296 §3.14): the caller pads; the ICV covers the whole message up to the ICV.
// Botan stays behind a pimpl.
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

class CbcHmac {
public:
    static CryptoResult<CbcHmac> create(std::uint16_t key_bits, IntegId integ, std::span<const std::uint8_t> encr_key,
                                        std::span<const std::uint8_t> integ_key);

    CbcHmac(CbcHmac&&) noexcept;
    CbcHmac& operator=(CbcHmac&&) noexcept;
    ~CbcHmac();

    std::size_t icv_len() const noexcept;

    // Appends the CBC encryption of `blocks` (a multiple of 16 octets) under iv to out.
    void encrypt(std::span<const std::uint8_t> iv, std::span<const std::uint8_t> blocks, std::vector<std::uint8_t>& out);
    SecureBytes decrypt(std::span<const std::uint8_t> iv, std::span<const std::uint8_t> blocks);
    // The truncated HMAC over the concatenated parts.
    std::vector<std::uint8_t> icv(std::initializer_list<std::span<const std::uint8_t>> parts);

private:
    struct Impl;
    explicit CbcHmac(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ike::crypto
