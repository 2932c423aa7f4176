// The IKEv2 key schedule (RFC 7296 §2.14, §2.15, §2.18; RFC 8784 §3). RFC 7296 publishes no test
// vectors for it, so these tests rebuild each formula from the PRF (itself checked against
// RFC 4868) and check the sizes, the order of the keys in the prf+ stream and the separation
// between keys.
#include "crypto/key_schedule.hpp"

#include "crypto/secret_format.hpp"
#include "hex.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace ike::crypto;
using namespace test_hex;

namespace {

const auto kNi = hex("1111111111111111 2222222222222222 3333333333333333 4444444444444444");
const auto kNr = hex("aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb");
const auto kSpiI = hex("0102030405060708");
const auto kSpiR = hex("f1f2f3f4f5f6f7f8");
const SharedSecret kGir(hex("5555555555555555555555555555555555555555555555555555555555555555"));

std::vector<std::uint8_t> cat(std::initializer_list<std::span<const std::uint8_t>> parts) {
    std::vector<std::uint8_t> out;
    for (const auto p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

TEST_CASE("SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14)", "[keys]") {
    for (const auto& prf_info : supported_prf()) {
        auto seed = derive_skeyseed(prf_info.id, kNi, kNr, kGir);
        REQUIRE(seed);
        auto prf = Prf::create(prf_info.id);
        REQUIRE(prf);
        const auto expect = prf->compute(cat({kNi, kNr}), kGir.bytes());
        CHECK(to_hex(seed->bytes()) == to_hex(expect));
        CHECK(seed->size() == prf_info.output_len);
    }
}

TEST_CASE("SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr are consecutive prf+ octets (§2.14)", "[keys]") {
    struct Case {
        PrfId prf;
        SkSuite sk;
        std::size_t d, a, e;
    };
    const Case cases[] = {
        {PrfId::HmacSha2_256, {EncrId::AesGcm16, 256, IntegId::None}, 32, 0, 36},
        {PrfId::HmacSha2_512, {EncrId::ChaCha20Poly1305, 0, IntegId::None}, 64, 0, 36},
        {PrfId::HmacSha2_384, {EncrId::AesCbc, 128, IntegId::HmacSha2_256_128}, 48, 32, 16},
        {PrfId::HmacSha2_256, {EncrId::AesCbc, 256, IntegId::HmacSha2_512_256}, 32, 64, 32},
    };
    for (const auto& c : cases) {
        auto seed = derive_skeyseed(c.prf, kNi, kNr, kGir);
        REQUIRE(seed);
        auto keys = derive_ike_sa_keys(c.prf, c.sk, *seed, kNi, kNr, kSpiI, kSpiR);
        REQUIRE(keys);
        CHECK(keys->sk_d.size() == c.d);
        CHECK(keys->sk_ai.size() == c.a);
        CHECK(keys->sk_ar.size() == c.a);
        CHECK(keys->sk_ei.size() == c.e);
        CHECK(keys->sk_er.size() == c.e);
        CHECK(keys->sk_pi.size() == c.d);
        CHECK(keys->sk_pr.size() == c.d);

        auto prf = Prf::create(c.prf);
        REQUIRE(prf);
        auto stream = prf->prf_plus(seed->bytes(), cat({kNi, kNr, kSpiI, kSpiR}), 3 * c.d + 2 * c.a + 2 * c.e);
        REQUIRE(stream);
        const auto all = cat({keys->sk_d.bytes(), keys->sk_ai.bytes(), keys->sk_ar.bytes(), keys->sk_ei.bytes(),
                              keys->sk_er.bytes(), keys->sk_pi.bytes(), keys->sk_pr.bytes()});
        CHECK(to_hex(all) == to_hex(*stream));
        CHECK_FALSE(keys->sk_ei == SkEi(keys->sk_er.bytes()));
    }
}

TEST_CASE("IKE SA keys: bad SPI sizes and AEAD with INTEG are refused", "[keys]") {
    auto seed = derive_skeyseed(PrfId::HmacSha2_256, kNi, kNr, kGir);
    REQUIRE(seed);
    auto short_spi = derive_ike_sa_keys(PrfId::HmacSha2_256, {EncrId::AesGcm16, 128, IntegId::None}, *seed, kNi, kNr,
                                        hex("0102"), kSpiR);
    REQUIRE_FALSE(short_spi);
    CHECK(short_spi.error() == CryptoError::InvalidLength);
    auto bad_suite = derive_ike_sa_keys(PrfId::HmacSha2_256, {EncrId::AesGcm16, 128, IntegId::HmacSha2_256_128},
                                        *seed, kNi, kNr, kSpiI, kSpiR);
    REQUIRE_FALSE(bad_suite);
    CHECK(bad_suite.error() == CryptoError::UnsupportedTransform);
}

TEST_CASE("IKE SA rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 §2.18)", "[keys][rekey]") {
    const SkD old_d(hex("0f0e0d0c0b0a09080706050403020100 0f0e0d0c0b0a09080706050403020100"));
    const SharedSecret fresh(hex("99999999999999999999999999999999"));
    auto seed = derive_rekey_skeyseed(PrfId::HmacSha2_256, old_d, fresh, kNi, kNr);
    REQUIRE(seed);
    auto prf = Prf::create(PrfId::HmacSha2_256);
    REQUIRE(prf);
    CHECK(to_hex(seed->bytes()) == to_hex(prf->compute(old_d.bytes(), cat({fresh.bytes(), kNi, kNr}))));
    auto initial = derive_skeyseed(PrfId::HmacSha2_256, kNi, kNr, fresh);
    REQUIRE(initial);
    CHECK_FALSE(*seed == *initial);
}

TEST_CASE("PPK mixing: SK_d, SK_pi, SK_pr = prf+(PPK, old), the rest unchanged (RFC 8784 §3)", "[keys][ppk]") {
    auto seed = derive_skeyseed(PrfId::HmacSha2_384, kNi, kNr, kGir);
    REQUIRE(seed);
    const SkSuite sk{EncrId::AesCbc, 256, IntegId::HmacSha2_384_192};
    auto keys = derive_ike_sa_keys(PrfId::HmacSha2_384, sk, *seed, kNi, kNr, kSpiI, kSpiR);
    REQUIRE(keys);
    const Ppk ppk(ascii("a post-quantum preshared key of some length"));
    auto mixed = mix_ppk(PrfId::HmacSha2_384, ppk, *keys);
    REQUIRE(mixed);
    auto prf = Prf::create(PrfId::HmacSha2_384);
    REQUIRE(prf);
    auto d = prf->prf_plus(ppk.bytes(), keys->sk_d.bytes(), 48);
    auto pi = prf->prf_plus(ppk.bytes(), keys->sk_pi.bytes(), 48);
    auto pr = prf->prf_plus(ppk.bytes(), keys->sk_pr.bytes(), 48);
    REQUIRE(d);
    REQUIRE(pi);
    REQUIRE(pr);
    CHECK(to_hex(mixed->sk_d.bytes()) == to_hex(*d));
    CHECK(to_hex(mixed->sk_pi.bytes()) == to_hex(*pi));
    CHECK(to_hex(mixed->sk_pr.bytes()) == to_hex(*pr));
    CHECK(mixed->sk_ei == keys->sk_ei);
    CHECK(mixed->sk_er == keys->sk_er);
    CHECK(mixed->sk_ai == keys->sk_ai);
    CHECK(mixed->sk_ar == keys->sk_ar);
    CHECK_FALSE(mixed->sk_d == keys->sk_d);
}

TEST_CASE("AUTH octets: RealMessage | Nonce | prf(SK_p, RestOfIDPayload) (RFC 7296 §2.15)", "[keys][auth]") {
    const auto msg1 = hex("0011223344556677 0000000000000000 21202208 00000000 0000001c");
    const auto id_body = hex("02000000") ;  // ID_FQDN, RESERVED
    auto id = id_body;
    const auto fqdn = ascii("nyc.mesh.example");
    id.insert(id.end(), fqdn.begin(), fqdn.end());
    const SkPi sk_pi(hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
    auto octets = initiator_signed_octets(PrfId::HmacSha2_256, msg1, kNr, sk_pi, id);
    REQUIRE(octets);
    auto prf = Prf::create(PrfId::HmacSha2_256);
    REQUIRE(prf);
    CHECK(to_hex(*octets) == to_hex(cat({msg1, kNr, prf->compute(sk_pi.bytes(), id)})));

    const SkPr sk_pr(hex("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"));
    auto r_octets = responder_signed_octets(PrfId::HmacSha2_256, msg1, kNi, sk_pr, id);
    REQUIRE(r_octets);
    CHECK(to_hex(*r_octets) == to_hex(cat({msg1, kNi, prf->compute(sk_pr.bytes(), id)})));
}

TEST_CASE("Shared key MIC: prf(prf(PSK, \"Key Pad for IKEv2\"), octets), checked in constant time (§2.15)",
          "[keys][auth][psk]") {
    const PreSharedKey psk(ascii("correct horse battery staple"));
    const auto octets = ascii("signed octets");
    auto mic = shared_key_auth(PrfId::HmacSha2_256, psk, octets);
    REQUIRE(mic);
    auto prf = Prf::create(PrfId::HmacSha2_256);
    REQUIRE(prf);
    const auto pad = ascii("Key Pad for IKEv2");
    REQUIRE(pad.size() == 17);
    const auto inner = prf->compute(psk.bytes(), pad);
    CHECK(to_hex(*mic) == to_hex(prf->compute(inner, octets)));

    auto ok = verify_shared_key_auth(PrfId::HmacSha2_256, psk, octets, *mic);
    REQUIRE(ok);
    CHECK(*ok);
    auto bad = *mic;
    bad[0] ^= 1;
    auto no = verify_shared_key_auth(PrfId::HmacSha2_256, psk, octets, bad);
    REQUIRE(no);
    CHECK_FALSE(*no);
    auto other_psk = verify_shared_key_auth(PrfId::HmacSha2_256, PreSharedKey(ascii("wrong")), octets, *mic);
    REQUIRE(other_psk);
    CHECK_FALSE(*other_psk);
}

TEST_CASE("Secrets format as <redacted> through iostreams and fmt", "[secret]") {
    const SkD key(hex("deadbeefdeadbeef"));
    std::ostringstream os;
    os << key;
    CHECK(os.str() == "<redacted>");
    CHECK(fmt::format("{}", key) == "<redacted>");
    CHECK(fmt::format("SK_ei={}", SkEi(hex("0102"))) == "SK_ei=<redacted>");
    CHECK(os.str().find("dead") == std::string::npos);
}
