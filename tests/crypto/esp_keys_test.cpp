// Child SA KEYMAT (RFC 7296 §2.17) and its ESP layout: initiator->responder keys first, the
// encryption key before the integrity key, AEAD keys followed by their 4-octet salt
// (RFC 4106 §8.1, RFC 7634 §4), with the kernel's algorithm names and ICV/truncation lengths.
#include "crypto/esp_keys.hpp"

#include "hex.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;
using namespace test_hex;

namespace {
const auto kNi = hex("0101010101010101010101010101010101010101010101010101010101010101");
const auto kNr = hex("0202020202020202020202020202020202020202020202020202020202020202");
const SkD kSkD(hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
}  // namespace

TEST_CASE("ESP key material sizes and kernel names per transform", "[esp]") {
    struct Case {
        EspSuite s;
        std::size_t per_dir, encr_len, integ_len;
        const char *encr_alg, *integ_alg;
        std::size_t icv_bits, trunc_bits;
    };
    const Case cases[] = {
        {{EncrId::AesGcm16, 128, IntegId::None}, 20, 20, 0, "rfc4106(gcm(aes))", "", 128, 0},
        {{EncrId::AesGcm16, 256, IntegId::None}, 36, 36, 0, "rfc4106(gcm(aes))", "", 128, 0},
        {{EncrId::ChaCha20Poly1305, 0, IntegId::None}, 36, 36, 0, "rfc7539esp(chacha20,poly1305)", "", 128, 0},
        {{EncrId::AesCbc, 128, IntegId::HmacSha2_256_128}, 48, 16, 32, "cbc(aes)", "hmac(sha256)", 0, 128},
        {{EncrId::AesCbc, 256, IntegId::HmacSha2_384_192}, 80, 32, 48, "cbc(aes)", "hmac(sha384)", 0, 192},
        {{EncrId::AesCbc, 256, IntegId::HmacSha2_512_256}, 96, 32, 64, "cbc(aes)", "hmac(sha512)", 0, 256},
    };
    for (const auto& c : cases) {
        CAPTURE(c.encr_alg, c.integ_alg);
        auto n = esp_keymat_length(c.s);
        REQUIRE(n);
        CHECK(*n == c.per_dir);
        std::vector<std::uint8_t> km(c.per_dir);
        for (std::size_t i = 0; i < km.size(); ++i) km[i] = static_cast<std::uint8_t>(i);
        auto keys = esp_keys_from_keymat(c.s, km);
        REQUIRE(keys);
        CHECK(keys->encr_alg == c.encr_alg);
        CHECK(keys->integ_alg == c.integ_alg);
        CHECK(keys->icv_bits == c.icv_bits);
        CHECK(keys->integ_trunc_bits == c.trunc_bits);
        REQUIRE(keys->encr_key.size() == c.encr_len);
        REQUIRE(keys->integ_key.size() == c.integ_len);
        CHECK(keys->encr_key.bytes()[0] == 0);                     // encryption key first
        if (c.integ_len > 0) {
            CHECK(keys->integ_key.bytes()[0] == c.encr_len);       // then the integrity key
        }
        auto wrong = esp_keys_from_keymat(c.s, std::span<const std::uint8_t>(km).first(c.per_dir - 1));
        REQUIRE_FALSE(wrong);
        CHECK(wrong.error() == CryptoError::InvalidKeyLength);
    }
}

TEST_CASE("Child SA KEYMAT = prf+(SK_d, Ni | Nr), i->r then r->i (RFC 7296 §2.17)", "[esp][keymat]") {
    const EspSuite suite{EncrId::AesCbc, 128, IntegId::HmacSha2_256_128};
    auto keys = derive_child_sa_keys(PrfId::HmacSha2_256, kSkD, suite, kNi, kNr);
    REQUIRE(keys);
    auto prf = Prf::create(PrfId::HmacSha2_256);
    REQUIRE(prf);
    auto km = prf->prf_plus(kSkD.bytes(), {kNi, kNr}, 96);
    REQUIRE(km);
    const std::span<const std::uint8_t> k(*km);
    CHECK(to_hex(keys->initiator_to_responder.encr_key.bytes()) == to_hex(k.subspan(0, 16)));
    CHECK(to_hex(keys->initiator_to_responder.integ_key.bytes()) == to_hex(k.subspan(16, 32)));
    CHECK(to_hex(keys->responder_to_initiator.encr_key.bytes()) == to_hex(k.subspan(48, 16)));
    CHECK(to_hex(keys->responder_to_initiator.integ_key.bytes()) == to_hex(k.subspan(64, 32)));
    CHECK(&keys->outbound(Role::Initiator) == &keys->initiator_to_responder);
    CHECK(&keys->inbound(Role::Initiator) == &keys->responder_to_initiator);
    CHECK(&keys->outbound(Role::Responder) == &keys->responder_to_initiator);
}

TEST_CASE("Child SA KEYMAT with PFS = prf+(SK_d, g^ir (new) | Ni | Nr) (RFC 7296 §2.17)", "[esp][keymat]") {
    const EspSuite suite{EncrId::AesGcm16, 256, IntegId::None};
    const SharedSecret gir(hex("abababababababababababababababababababababababababababababababab"));
    auto pfs = derive_child_sa_keys(PrfId::HmacSha2_512, kSkD, suite, kNi, kNr, &gir);
    auto no_pfs = derive_child_sa_keys(PrfId::HmacSha2_512, kSkD, suite, kNi, kNr);
    REQUIRE(pfs);
    REQUIRE(no_pfs);
    auto prf = Prf::create(PrfId::HmacSha2_512);
    REQUIRE(prf);
    auto km = prf->prf_plus(kSkD.bytes(), {gir.bytes(), kNi, kNr}, 72);
    REQUIRE(km);
    const std::span<const std::uint8_t> k(*km);
    // AES-GCM: 32 octets of key, then the 4-octet salt, per direction.
    CHECK(to_hex(pfs->initiator_to_responder.encr_key.bytes()) == to_hex(k.subspan(0, 36)));
    CHECK(to_hex(pfs->responder_to_initiator.encr_key.bytes()) == to_hex(k.subspan(36, 36)));
    CHECK(pfs->initiator_to_responder.integ_key.empty());
    CHECK_FALSE(pfs->initiator_to_responder.encr_key == no_pfs->initiator_to_responder.encr_key);
}
