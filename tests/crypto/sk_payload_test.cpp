// The SK payload: RFC 7634 Appendix B (an IKEv2 INFORMATIONAL message protected with
// ChaCha20-Poly1305, reproduced byte for byte; vector via strongSwan's transcription in
// test_vectors/chacha20poly1305.c), and properties for every ENCR/INTEG pair: round trip,
// any flipped bit fails the ICV, IVs never repeat, padding rules (RFC 7296 §3.14, RFC 5282).
#include "crypto/sk_payload.hpp"

#include "crypto/cbc_hmac.hpp"

#include "hex.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace ike::crypto;
using namespace test_hex;

namespace {

struct Suite {
    const char* name;
    SkSuite sk;
};

const Suite kSuites[] = {
    {"AES-GCM-16-128", {EncrId::AesGcm16, 128, IntegId::None}},
    {"AES-GCM-16-256", {EncrId::AesGcm16, 256, IntegId::None}},
    {"ChaCha20-Poly1305", {EncrId::ChaCha20Poly1305, 0, IntegId::None}},
    {"AES-CBC-128/HMAC-SHA2-256-128", {EncrId::AesCbc, 128, IntegId::HmacSha2_256_128}},
    {"AES-CBC-128/HMAC-SHA2-384-192", {EncrId::AesCbc, 128, IntegId::HmacSha2_384_192}},
    {"AES-CBC-128/HMAC-SHA2-512-256", {EncrId::AesCbc, 128, IntegId::HmacSha2_512_256}},
    {"AES-CBC-256/HMAC-SHA2-256-128", {EncrId::AesCbc, 256, IntegId::HmacSha2_256_128}},
    {"AES-CBC-256/HMAC-SHA2-384-192", {EncrId::AesCbc, 256, IntegId::HmacSha2_384_192}},
    {"AES-CBC-256/HMAC-SHA2-512-256", {EncrId::AesCbc, 256, IntegId::HmacSha2_512_256}},
};

struct Keys {
    std::vector<std::uint8_t> e, a;
};

Keys keys_for(const SkSuite& s, std::uint8_t fill) {
    const EncrInfo* encr = find_encr(s.encr, s.key_bits);
    REQUIRE(encr != nullptr);
    const IntegInfo* integ = s.integ == IntegId::None ? nullptr : find_integ(s.integ);
    std::vector<std::uint8_t> e(encr->keymat_len()), a(integ != nullptr ? integ->key_len : 0);
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = static_cast<std::uint8_t>(fill + i);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(fill * 3 + i);
    return {e, a};
}

// Both directions' objects of one suite over the same keys.
struct Pair {
    SkProtector p;
    SkUnprotector u;
};

Pair make_pair(const SkSuite& suite, std::uint8_t fill, Rng& rng, std::uint64_t first_iv = 0) {
    const Keys k = keys_for(suite, fill);
    auto p = SkProtector::create(suite, k.e, k.a, rng, first_iv);
    auto u = SkUnprotector::create(suite, k.e, k.a);
    REQUIRE(p);
    REQUIRE(u);
    return Pair{std::move(*p), std::move(*u)};
}

// A fake IKE header (28) + SK generic header (4): the module treats it as opaque AAD.
std::vector<std::uint8_t> header_aad(std::size_t body_len) {
    auto aad = hex("0011223344556677 8899aabbccddeeff 2e202508 00000001 00000000 2f000000");
    const auto total = static_cast<std::uint32_t>(aad.size() + body_len);
    aad[24] = static_cast<std::uint8_t>(total >> 24);
    aad[25] = static_cast<std::uint8_t>(total >> 16);
    aad[26] = static_cast<std::uint8_t>(total >> 8);
    aad[27] = static_cast<std::uint8_t>(total);
    const auto sk_len = static_cast<std::uint16_t>(4 + body_len);
    aad[30] = static_cast<std::uint8_t>(sk_len >> 8);
    aad[31] = static_cast<std::uint8_t>(sk_len);
    return aad;
}

}  // namespace

TEST_CASE("RFC 7634 Appendix B: ChaCha20-Poly1305 SK payload of an IKEv2 message", "[sk][kat]") {
    const auto sk_e = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f a0a1a2a3");
    // IKE header (SPIs c0..c7 / d0..d7, next payload SK, v2.0, INFORMATIONAL, flags 0, message ID 9,
    // length 0x45) and the SK generic header (next payload Notify, length 0x29).
    const auto aad = hex("c0c1c2c3c4c5c6c7 d0d1d2d3d4d5d6d7 2e202500 00000009 00000045 29000029");
    const auto inner = hex("0000000c 00004001 0000000a");  // one Notify payload
    auto rng = make_seeded_rng(1);
    auto protector = SkProtector::create({EncrId::ChaCha20Poly1305, 0, IntegId::None}, sk_e, {}, *rng,
                                         0x1011121314151617ULL);
    REQUIRE(protector);
    CHECK(protector->body_length(inner.size()) == 0x29 - 4);
    auto body = protector->protect(aad, inner);
    REQUIRE(body);
    // IV | encrypted(inner | pad length 0) | ICV
    CHECK(to_hex(*body) == "1011121314151617" "610394701f8d017f7c12924889" "6b71bfe25236efd7cdc67066906315b2");

    auto unprotector = SkUnprotector::create({EncrId::ChaCha20Poly1305, 0, IntegId::None}, sk_e, {});
    REQUIRE(unprotector);
    auto plain = unprotector->unprotect(aad, *body);
    REQUIRE(plain);
    CHECK(to_hex(*plain) == to_hex(inner));

    // The same with the IKE header and the SK generic header passed apart.
    const std::span<const std::uint8_t> a(aad);
    auto again = SkProtector::create({EncrId::ChaCha20Poly1305, 0, IntegId::None}, sk_e, {}, *rng,
                                     0x1011121314151617ULL);
    REQUIRE(again);
    auto body2 = again->protect(a.first(28), a.subspan(28), inner);
    REQUIRE(body2);
    CHECK(*body2 == *body);
    auto plain2 = unprotector->unprotect(a.first(28), a.subspan(28), *body2);
    REQUIRE(plain2);
    CHECK(to_hex(*plain2) == to_hex(inner));
}

TEST_CASE("SK payload round trip for every ENCR/INTEG pair and many lengths", "[sk][roundtrip]") {
    auto rng = make_seeded_rng(99);
    for (const auto& s : kSuites) {
        CAPTURE(s.name);
        auto pair = make_pair(s.sk, 0x40, *rng);
        auto* p = &pair.p;
        auto* u = &pair.u;
        for (const std::size_t len : {0u, 1u, 15u, 16u, 17u, 31u, 100u, 1024u, 1500u}) {
            CAPTURE(len);
            std::vector<std::uint8_t> inner(len);
            for (std::size_t i = 0; i < len; ++i) inner[i] = static_cast<std::uint8_t>(i * 7);
            const std::size_t body_len = p->body_length(len);
            const auto aad = header_aad(body_len);
            auto body = p->protect(aad, inner);
            REQUIRE(body);
            CHECK(body->size() == body_len);
            if (s.sk.encr == EncrId::AesCbc) {
                const std::size_t icv = find_integ(s.sk.integ)->icv_len;
                CHECK((body->size() - icv - 16) % 16 == 0);  // padded to the block size
                CHECK(body->size() - icv - 16 - len <= 16);  // minimal padding
            } else {
                CHECK(body->size() == 8 + len + 1 + 16);  // no padding with AEAD: only the pad length
            }
            auto plain = u->unprotect(aad, *body);
            REQUIRE(plain);
            CHECK(to_hex(*plain) == to_hex(inner));
        }
    }
}

TEST_CASE("SK payload: any flipped bit of the message fails the ICV", "[sk][tamper]") {
    auto rng = make_seeded_rng(5);
    for (const auto& s : kSuites) {
        CAPTURE(s.name);
        auto pair = make_pair(s.sk, 0x11, *rng);
        auto* p = &pair.p;
        auto* u = &pair.u;
        const auto inner = ascii("an IKE_AUTH request's inner payloads");
        const auto aad = header_aad(p->body_length(inner.size()));
        auto body = p->protect(aad, inner);
        REQUIRE(body);
        std::size_t failures = 0, tries = 0;
        for (std::size_t bit = 0; bit < body->size() * 8; ++bit) {
            auto bad = *body;
            bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            auto r = u->unprotect(aad, bad);
            ++tries;
            failures += (!r && r.error() == CryptoError::IntegrityCheckFailed) ? 1 : 0;
        }
        for (std::size_t bit = 0; bit < aad.size() * 8; ++bit) {
            auto bad = aad;
            bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            auto r = u->unprotect(bad, *body);
            ++tries;
            failures += (!r && r.error() == CryptoError::IntegrityCheckFailed) ? 1 : 0;
        }
        CHECK(failures == tries);
        CHECK(u->unprotect(aad, *body));  // the untouched message still passes
    }
}

TEST_CASE("SK payload: truncated or misaligned bodies are malformed, not crashes", "[sk][tamper]") {
    auto rng = make_seeded_rng(6);
    for (const auto& s : kSuites) {
        CAPTURE(s.name);
        auto pair = make_pair(s.sk, 0x22, *rng);
        auto* p = &pair.p;
        auto* u = &pair.u;
        const auto aad = header_aad(p->body_length(40));
        auto body = p->protect(aad, std::vector<std::uint8_t>(40, 1));
        REQUIRE(body);
        for (std::size_t cut = 0; cut < body->size(); cut += 5) {
            auto r = u->unprotect(aad, std::span<const std::uint8_t>(*body).first(cut));
            REQUIRE_FALSE(r);
            CHECK((r.error() == CryptoError::MalformedCiphertext || r.error() == CryptoError::IntegrityCheckFailed));
        }
    }
}

TEST_CASE("SK payload: AEAD explicit IVs are a counter and never repeat — CBC IVs are fresh", "[sk][iv]") {
    auto rng = make_seeded_rng(7);
    for (const auto& s : kSuites) {
        CAPTURE(s.name);
        const Keys k = keys_for(s.sk, 0x33);
        auto p = SkProtector::create(s.sk, k.e, k.a, *rng, 41);
        REQUIRE(p);
        const std::size_t iv_len = find_encr(s.sk.encr, s.sk.key_bits)->iv_len;
        std::set<std::vector<std::uint8_t>> ivs;
        for (int i = 0; i < 200; ++i) {
            auto body = p->protect(header_aad(p->body_length(8)), std::vector<std::uint8_t>(8, 0));
            REQUIRE(body);
            const std::vector<std::uint8_t> iv(body->begin(), body->begin() + static_cast<long>(iv_len));
            if (iv_len == 8) {
                std::uint64_t v = 0;
                for (const auto b : iv) v = v << 8 | b;
                CHECK(v == 41u + static_cast<unsigned>(i));
            }
            ivs.insert(iv);
        }
        CHECK(ivs.size() == 200);
    }
}

TEST_CASE("SK payload: the AEAD counter refuses to wrap (IvSpaceExhausted, rekey)", "[sk][iv]") {
    auto rng = make_seeded_rng(8);
    const Keys k = keys_for(kSuites[0].sk, 1);
    auto p = SkProtector::create(kSuites[0].sk, k.e, k.a, *rng, ~std::uint64_t{0});
    REQUIRE(p);
    const auto aad = header_aad(p->body_length(4));
    CHECK(p->protect(aad, std::vector<std::uint8_t>(4, 0)));  // the last IV value is usable once
    auto r = p->protect(aad, std::vector<std::uint8_t>(4, 0));
    REQUIRE_FALSE(r);
    CHECK(r.error() == CryptoError::IvSpaceExhausted);
}

namespace {
// A CBC SK body built by hand (as another implementation might), with the peer's own padding.
std::vector<std::uint8_t> cbc_body(CbcHmac& cbc, const std::vector<std::uint8_t>& aad,
                                   const std::vector<std::uint8_t>& padded_plaintext) {
    std::vector<std::uint8_t> body = hex("000102030405060708090a0b0c0d0e0f");
    const std::vector<std::uint8_t> iv = body;
    cbc.encrypt(iv, padded_plaintext, body);
    const auto icv = cbc.icv({aad, body});
    body.insert(body.end(), icv.begin(), icv.end());
    return body;
}
}  // namespace

TEST_CASE("SK payload: any padding length the peer chose is accepted — impossible ones are not (RFC 7296 §3.14)",
          "[sk][padding]") {
    const SkSuite suite{EncrId::AesCbc, 128, IntegId::HmacSha2_256_128};
    const Keys k = keys_for(suite, 0x55);
    auto u = SkUnprotector::create(suite, k.e, k.a);
    auto cbc = CbcHmac::create(128, IntegId::HmacSha2_256_128, k.e, k.a);
    REQUIRE(u);
    REQUIRE(cbc);
    // 8 octets of payload, 23 octets of non-zero padding, pad length 23: two blocks.
    std::vector<std::uint8_t> padded = ascii("payload!");
    padded.insert(padded.end(), 23, 0xa5);
    padded.push_back(23);
    const auto aad = header_aad(16 + padded.size() + 16);
    auto plain = u->unprotect(aad, cbc_body(*cbc, aad, padded));
    REQUIRE(plain);
    CHECK(to_hex(*plain) == to_hex(ascii("payload!")));

    // A pad length larger than the decrypted data is InvalidPadding (after the ICV passed).
    std::vector<std::uint8_t> bad(16, 0);
    bad.back() = 16;
    const auto aad2 = header_aad(16 + bad.size() + 16);
    auto r = u->unprotect(aad2, cbc_body(*cbc, aad2, bad));
    REQUIRE_FALSE(r);
    CHECK(r.error() == CryptoError::InvalidPadding);
}

TEST_CASE("SK payload: keys from an IKE SA pair initiator-outbound with responder-inbound", "[sk]") {
    auto rng = make_seeded_rng(10);
    const SkSuite suite{EncrId::AesGcm16, 256, IntegId::None};
    const Keys ki = keys_for(suite, 1), kr = keys_for(suite, 2);
    IkeSaKeys keys;
    keys.sk_ei = SkEi(ki.e);
    keys.sk_er = SkEr(kr.e);
    auto i_out = SkProtector::outbound(suite, keys, Role::Initiator, *rng);
    auto r_in = SkUnprotector::inbound(suite, keys, Role::Responder);
    auto i_in = SkUnprotector::inbound(suite, keys, Role::Initiator);
    REQUIRE(i_out);
    REQUIRE(r_in);
    REQUIRE(i_in);
    const auto aad = header_aad(i_out->body_length(3));
    auto body = i_out->protect(aad, hex("010203"));
    REQUIRE(body);
    CHECK(r_in->unprotect(aad, *body));
    auto wrong = i_in->unprotect(aad, *body);  // the initiator's own inbound key is SK_er
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error() == CryptoError::IntegrityCheckFailed);
}

TEST_CASE("SK payload: INTEG with AEAD and missing INTEG with CBC are refused (RFC 5282 §8)", "[sk]") {
    auto rng = make_seeded_rng(11);
    auto a = SkProtector::create({EncrId::AesGcm16, 128, IntegId::HmacSha2_256_128}, std::vector<std::uint8_t>(20),
                                 std::vector<std::uint8_t>(32), *rng);
    REQUIRE_FALSE(a);
    CHECK(a.error() == CryptoError::UnsupportedTransform);
    auto b = SkUnprotector::create({EncrId::AesCbc, 128, IntegId::None}, std::vector<std::uint8_t>(16), {});
    REQUIRE_FALSE(b);
    CHECK(b.error() == CryptoError::UnsupportedTransform);
    auto c = SkUnprotector::create({EncrId::AesCbc, 128, IntegId::HmacSha2_256_128}, std::vector<std::uint8_t>(16),
                                   std::vector<std::uint8_t>(31));
    REQUIRE_FALSE(c);
    CHECK(c.error() == CryptoError::InvalidKeyLength);
}

TEST_CASE("SK payload: random bodies of any length are refused with a typed error", "[sk][tamper]") {
    auto rng = make_seeded_rng(12);
    for (const auto& s : kSuites) {
        CAPTURE(s.name);
        auto pair = make_pair(s.sk, 0x66, *rng);
        const auto aad = header_aad(0);
        for (std::size_t len = 0; len < 200; ++len) {
            std::vector<std::uint8_t> body(len);
            rng->fill(body);
            auto r = pair.u.unprotect(aad, body);
            REQUIRE_FALSE(r);
            CHECK((r.error() == CryptoError::MalformedCiphertext || r.error() == CryptoError::IntegrityCheckFailed));
        }
    }
}
