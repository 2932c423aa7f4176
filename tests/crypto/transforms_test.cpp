// The transform registry the proposal code queries: IANA numbers (RFC 7296 §3.3.2 and the IANA
// IKEv2 registry) and the sizes from RFC 4868, 5282, 5903, 7634, 8031.
#include "crypto/transforms.hpp"

#include "crypto/errors.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;

TEST_CASE("ENCR lookup by IANA number and Key Length attribute", "[transforms]") {
    const EncrInfo* gcm = find_encr(20, 256);
    REQUIRE(gcm != nullptr);
    CHECK(gcm->aead);
    CHECK(gcm->key_len == 32);
    CHECK(gcm->salt_len == 4);  // RFC 5282 §7.1
    CHECK(gcm->iv_len == 8);
    CHECK(gcm->icv_len == 16);
    REQUIRE(find_encr(20, 128) != nullptr);
    CHECK(find_encr(20, 192) == nullptr);  // not offered
    CHECK(find_encr(20, 0) == nullptr);    // AES needs its Key Length attribute
    const EncrInfo* chacha = find_encr(28, 0);  // RFC 7634 §2: no Key Length attribute
    REQUIRE(chacha != nullptr);
    CHECK(chacha->keymat_len() == 36);
    CHECK(find_encr(28, 256) == chacha);
    const EncrInfo* cbc = find_encr(12, 128);
    REQUIRE(cbc != nullptr);
    CHECK_FALSE(cbc->aead);
    CHECK(cbc->iv_len == 16);
    CHECK(cbc->block_len == 16);
    CHECK(find_encr(3, 192) == nullptr);  // 3DES: not supported
}

TEST_CASE("PRF, INTEG and KE lookups", "[transforms]") {
    REQUIRE(find_prf(5) != nullptr);
    CHECK(find_prf(5)->output_len == 32);
    CHECK(find_prf(7)->key_len == 64);
    CHECK(find_prf(2) == nullptr);  // PRF_HMAC_SHA1: not supported
    REQUIRE(find_integ(13) != nullptr);
    CHECK(find_integ(13)->key_len == 48);
    CHECK(find_integ(13)->icv_len == 24);
    CHECK(find_integ(2) == nullptr);  // HMAC-SHA1-96: not supported
    CHECK(find_ke(31)->public_len == 32);
    CHECK(find_ke(19)->public_len == 64);
    CHECK(find_ke(21)->public_len == 132);
    CHECK(find_ke(21)->shared_len == 66);
    CHECK(find_ke(14)->public_len == 256);
    CHECK(find_ke(16)->public_len == 512);
    CHECK(find_ke(2) == nullptr);
    CHECK(supported_ke().size() == 7);
    CHECK(supported_encr().size() == 5);
}

TEST_CASE("errors have names", "[errors]") {
    CHECK(to_string(CryptoError::AllZeroSharedSecret) == "all-zero shared secret");
    CHECK(to_string(CryptoError::IntegrityCheckFailed) == "integrity check failed");
}
