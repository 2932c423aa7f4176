// The transform registry: sizes from RFC 3602, 4106, 4868, 5282, 5903, 7634, 8031 and 3526.
#include "crypto/transforms.hpp"

#include <array>

namespace ike::crypto {
namespace {

constexpr std::array<EncrInfo, 5> kEncr{{
    // RFC 5282 §7.1 / RFC 4106 §8.1: 4 octets of salt follow the AES key; 8-octet explicit IV.
    {EncrId::AesGcm16, 256, true, 32, 4, 8, 1, 16, "AES-GCM-16 (256)"},
    {EncrId::AesGcm16, 128, true, 16, 4, 8, 1, 16, "AES-GCM-16 (128)"},
    // RFC 7634 §2/§4: 32-octet key, 4-octet salt, 8-octet IV, 16-octet tag.
    {EncrId::ChaCha20Poly1305, 0, true, 32, 4, 8, 1, 16, "ChaCha20-Poly1305"},
    // RFC 3602 as used by RFC 7296 §3.14: random 16-octet IV, 16-octet blocks.
    {EncrId::AesCbc, 256, false, 32, 0, 16, 16, 0, "AES-CBC (256)"},
    {EncrId::AesCbc, 128, false, 16, 0, 16, 16, 0, "AES-CBC (128)"},
}};

constexpr std::array<IntegInfo, 3> kInteg{{
    // RFC 4868 §2.1.1: key length = hash output length, truncated to half.
    {IntegId::HmacSha2_512_256, 64, 32, "HMAC-SHA2-512-256"},
    {IntegId::HmacSha2_384_192, 48, 24, "HMAC-SHA2-384-192"},
    {IntegId::HmacSha2_256_128, 32, 16, "HMAC-SHA2-256-128"},
}};

constexpr std::array<PrfInfo, 3> kPrf{{
    // RFC 4868 §2.1.2: preferred key size = output size.
    {PrfId::HmacSha2_512, 64, 64, "PRF-HMAC-SHA2-512"},
    {PrfId::HmacSha2_384, 48, 48, "PRF-HMAC-SHA2-384"},
    {PrfId::HmacSha2_256, 32, 32, "PRF-HMAC-SHA2-256"},
}};

constexpr std::array<KeInfo, 7> kKe{{
    {KeId::Curve25519, 32, 32, "Curve25519"},            // RFC 8031 §3
    {KeId::Ecp256, 64, 32, "256-bit random ECP"},        // RFC 5903 §7: x || y
    {KeId::Ecp384, 96, 48, "384-bit random ECP"},
    {KeId::Ecp521, 132, 66, "521-bit random ECP"},
    {KeId::Modp3072, 384, 384, "3072-bit MODP"},         // RFC 3526; RFC 7296 §3.4 padding
    {KeId::Modp4096, 512, 512, "4096-bit MODP"},
    {KeId::Modp2048, 256, 256, "2048-bit MODP"},
}};

template <typename Info, std::size_t N>
const Info* find_by_id(const std::array<Info, N>& table, std::uint16_t id) noexcept {
    for (const auto& entry : table) {
        if (static_cast<std::uint16_t>(entry.id) == id) {
            return &entry;
        }
    }
    return nullptr;
}

}  // namespace

const EncrInfo* find_encr(std::uint16_t id, std::uint16_t key_bits) noexcept {
    for (const auto& e : kEncr) {
        if (static_cast<std::uint16_t>(e.id) != id) {
            continue;
        }
        if (e.key_bits == key_bits || (e.id == EncrId::ChaCha20Poly1305 && key_bits == 256)) {
            return &e;
        }
    }
    return nullptr;
}

const IntegInfo* find_integ(std::uint16_t id) noexcept { return find_by_id(kInteg, id); }
const PrfInfo* find_prf(std::uint16_t id) noexcept { return find_by_id(kPrf, id); }
const KeInfo* find_ke(std::uint16_t id) noexcept { return find_by_id(kKe, id); }

std::span<const EncrInfo> supported_encr() noexcept { return kEncr; }
std::span<const IntegInfo> supported_integ() noexcept { return kInteg; }
std::span<const PrfInfo> supported_prf() noexcept { return kPrf; }
std::span<const KeInfo> supported_ke() noexcept { return kKe; }

}  // namespace ike::crypto
