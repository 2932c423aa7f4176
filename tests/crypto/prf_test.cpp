// PRF-HMAC-SHA2 and truncated HMAC-SHA2 integrity: RFC 4868 §2.7 known answers, and prf+
// (RFC 7296 §2.13) properties. The RFC 4868 vectors were taken from strongSwan's transcription
// (src/libstrongswan/plugins/test_vectors/test_vectors/sha2_hmac.c, "test vectors from RFC 4868");
// the RFC text itself was not available to us.
#include "crypto/prf.hpp"

#include "hex.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;
using namespace test_hex;

namespace {
std::string prf_hex(PrfId id, const std::vector<std::uint8_t>& key, const std::vector<std::uint8_t>& data) {
    auto prf = Prf::create(id);
    REQUIRE(prf);
    return to_hex(prf->compute(key, data));
}
std::string integ_hex(IntegId id, const std::vector<std::uint8_t>& key, const std::vector<std::uint8_t>& data) {
    auto icv = integ_compute(id, key, {data});
    REQUIRE(icv);
    return to_hex(*icv);
}
}  // namespace

TEST_CASE("RFC 4868 §2.7.1 PRF-1: 20 x 0x0b, \"Hi There\"", "[prf][kat]") {
    const auto key = std::vector<std::uint8_t>(20, 0x0b);
    const auto data = ascii("Hi There");
    CHECK(prf_hex(PrfId::HmacSha2_256, key, data) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(prf_hex(PrfId::HmacSha2_384, key, data) ==
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
    CHECK(prf_hex(PrfId::HmacSha2_512, key, data) ==
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
          "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
}

TEST_CASE("RFC 4868 §2.7.1 PRF-2: key \"Jefe\", \"what do ya want for nothing?\"", "[prf][kat]") {
    // (the same inputs and outputs as RFC 4231 test case 2)
    const auto key = ascii("Jefe");
    const auto data = ascii("what do ya want for nothing?");
    CHECK(prf_hex(PrfId::HmacSha2_256, key, data) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(prf_hex(PrfId::HmacSha2_384, key, data) ==
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
    CHECK(prf_hex(PrfId::HmacSha2_512, key, data) ==
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST_CASE("RFC 4868 §2.7.1 PRF-3: 20 x 0xaa, 50 x 0xdd", "[prf][kat]") {
    const auto key = std::vector<std::uint8_t>(20, 0xaa);
    const auto data = std::vector<std::uint8_t>(50, 0xdd);
    CHECK(prf_hex(PrfId::HmacSha2_256, key, data) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    CHECK(prf_hex(PrfId::HmacSha2_384, key, data) ==
          "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27");
    CHECK(prf_hex(PrfId::HmacSha2_512, key, data) ==
          "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
          "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb");
}

TEST_CASE("RFC 4868 §2.7.1 PRF-4: 25-octet key 0x01..0x19, 50 x 0xcd", "[prf][kat]") {
    const auto key = hex("0102030405060708090a0b0c0d0e0f10111213141516171819");
    const auto data = std::vector<std::uint8_t>(50, 0xcd);
    CHECK(prf_hex(PrfId::HmacSha2_256, key, data) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    CHECK(prf_hex(PrfId::HmacSha2_384, key, data) ==
          "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb");
}

TEST_CASE("RFC 4868 §2.7.1 PRF-5: 131-octet key, longer than the hash block", "[prf][kat]") {
    const auto key = std::vector<std::uint8_t>(131, 0xaa);
    const auto data = ascii("Test Using Larger Than Block-Size Key - Hash Key First");
    CHECK(prf_hex(PrfId::HmacSha2_256, key, data) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    CHECK(prf_hex(PrfId::HmacSha2_512, key, data) ==
          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
          "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
}

TEST_CASE("RFC 4868 §2.7.2 AUTH256/384/512-1: truncated integrity, \"Hi There\"", "[integ][kat]") {
    const auto data = ascii("Hi There");
    CHECK(integ_hex(IntegId::HmacSha2_256_128, std::vector<std::uint8_t>(32, 0x0b), data) ==
          "198a607eb44bfbc69903a0f1cf2bbdc5");
    CHECK(integ_hex(IntegId::HmacSha2_384_192, std::vector<std::uint8_t>(48, 0x0b), data) ==
          "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973");
    CHECK(integ_hex(IntegId::HmacSha2_512_256, std::vector<std::uint8_t>(64, 0x0b), data) ==
          "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8");
}

TEST_CASE("RFC 4868 §2.7.2 AUTH256/384/512-2: key \"Jefe\" repeated", "[integ][kat]") {
    const auto data = ascii("what do ya want for nothing?");
    CHECK(integ_hex(IntegId::HmacSha2_256_128, ascii("JefeJefeJefeJefeJefeJefeJefeJefe"), data) ==
          "167f928588c5cc2eef8e3093caa0e87c");
    CHECK(integ_hex(IntegId::HmacSha2_384_192, ascii("JefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefe"), data) ==
          "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d");
    CHECK(integ_hex(IntegId::HmacSha2_512_256,
                    ascii("JefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefeJefe"), data) ==
          "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454");
}

TEST_CASE("RFC 4868 §2.7.2 AUTH256/384/512-3: 0xaa key, 50 x 0xdd", "[integ][kat]") {
    const auto data = std::vector<std::uint8_t>(50, 0xdd);
    CHECK(integ_hex(IntegId::HmacSha2_256_128, std::vector<std::uint8_t>(32, 0xaa), data) ==
          "cdcb1220d1ecccea91e53aba3092f962");
    CHECK(integ_hex(IntegId::HmacSha2_384_192, std::vector<std::uint8_t>(48, 0xaa), data) ==
          "809f439be00274321d4a538652164b53554a508184a0c316");
    CHECK(integ_hex(IntegId::HmacSha2_512_256, std::vector<std::uint8_t>(64, 0xaa), data) ==
          "2ee7acd783624ca9398710f3ee05ae41b9f9b0510c87e49e586cc9bf961733d8");
}

TEST_CASE("integrity keys of the wrong length are refused (RFC 4868 §2.1.1)", "[integ]") {
    auto r = integ_compute(IntegId::HmacSha2_256_128, std::vector<std::uint8_t>(20, 1), {ascii("x")});
    REQUIRE_FALSE(r);
    CHECK(r.error() == CryptoError::InvalidKeyLength);
    CHECK_FALSE(integ_compute(IntegId::None, std::vector<std::uint8_t>(32, 1), {ascii("x")}));
}

TEST_CASE("prf+ is T1 | T2 | ... with Tn = prf(K, Tn-1 | S | n) (RFC 7296 §2.13)", "[prf][prfplus]") {
    for (const PrfId id : {PrfId::HmacSha2_256, PrfId::HmacSha2_384, PrfId::HmacSha2_512}) {
        auto prf = Prf::create(id);
        REQUIRE(prf);
        const auto key = hex("000102030405060708090a0b0c0d0e0f");
        const auto seed = ascii("seed for prf plus");
        const std::size_t h = prf->output_len();
        auto out = prf->prf_plus(key, seed, 3 * h);
        REQUIRE(out);
        REQUIRE(out->size() == 3 * h);
        const std::uint8_t one = 1, two = 2, three = 3;
        const auto t1 = prf->compute(key, {seed, {&one, 1}});
        const auto t2 = prf->compute(key, {t1, seed, {&two, 1}});
        const auto t3 = prf->compute(key, {t2, seed, {&three, 1}});
        CHECK(std::equal(t1.begin(), t1.end(), out->begin()));
        CHECK(std::equal(t2.begin(), t2.end(), out->begin() + static_cast<long>(h)));
        CHECK(std::equal(t3.begin(), t3.end(), out->begin() + static_cast<long>(2 * h)));
    }
}

TEST_CASE("prf+ output: exact length, shorter outputs are prefixes, at most 255 blocks", "[prf][prfplus]") {
    auto prf = Prf::create(PrfId::HmacSha2_256);
    REQUIRE(prf);
    const auto key = hex("0b0b0b0b");
    const auto seed = hex("cafe");
    auto longest = prf->prf_plus(key, seed, 255 * 32);
    REQUIRE(longest);
    CHECK(longest->size() == 255 * 32);
    for (const std::size_t len : {0u, 1u, 31u, 32u, 33u, 64u, 100u, 1000u}) {
        auto out = prf->prf_plus(key, seed, len);
        REQUIRE(out);
        CHECK(out->size() == len);
        CHECK(std::equal(out->begin(), out->end(), longest->begin()));
    }
    auto too_long = prf->prf_plus(key, seed, 255 * 32 + 1);
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error() == CryptoError::InvalidLength);
    // A multi-part seed is the concatenation of its parts.
    const auto a = hex("ca"), b = hex("fe");
    auto split = prf->prf_plus(key, {a, b}, 100);
    REQUIRE(split);
    CHECK(std::equal(split->begin(), split->end(), longest->begin()));
}
