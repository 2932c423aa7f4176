// What an established IKE SA keeps (issue 14: 4 KiB per SA): IkeSa::shed_handshake_state()
// drops the handshake's state and the SK ciphers' key schedules, and the SK payload still
// works afterwards (the ciphers are made again from the raw keys).
#include <catch2/catch.hpp>

#include "crypto/ke.hpp"
#include "crypto/rng.hpp"
#include "crypto/sk_payload.hpp"
#include "sa/ike_sa.hpp"

using namespace ike;

namespace {

crypto::SkSuite gcm() { return {crypto::EncrId::AesGcm16, 256, crypto::IntegId::None}; }
crypto::SkSuite cbc() { return {crypto::EncrId::AesCbc, 256, crypto::IntegId::HmacSha2_256_128}; }

}  // namespace

TEST_CASE("SK payload: a released cipher is made again and gives the same protection", "[sa][memory]") {
    auto rng = crypto::make_seeded_rng(7);
    for (const auto& suite : {gcm(), cbc()}) {
        const bool aead = suite.integ == crypto::IntegId::None;
        const std::vector<std::uint8_t> key(aead ? 36 : 32, 0x42), integ(aead ? 0 : 32, 0x24);
        auto out = crypto::SkProtector::create(suite, key, integ, *rng);
        auto in = crypto::SkUnprotector::create(suite, key, integ);
        REQUIRE(out);
        REQUIRE(in);
        const std::vector<std::uint8_t> aad(32, 0x11), inner{1, 2, 3, 4, 5, 6, 7};
        const std::size_t length = out->body_length(inner.size());
        for (int round = 0; round < 3; ++round) {
            auto body = out->protect(aad, inner);
            REQUIRE(body);
            CHECK(body->size() == length);
            auto plain = in->unprotect(aad, *body);
            REQUIRE(plain);
            CHECK(std::vector<std::uint8_t>(plain->begin(), plain->end()) == inner);
            auto tampered = *body;
            tampered.back() ^= 1;
            CHECK_FALSE(in->unprotect(aad, tampered));
            out->release_cipher();
            in->release_cipher();
            CHECK(out->body_length(inner.size()) == length);  // known without the cipher
        }
        if (aead) {  // the AEAD counter survives a release: no IV is used twice
            auto a = out->protect(aad, inner);
            out->release_cipher();
            auto b = out->protect(aad, inner);
            REQUIRE(a);
            REQUIRE(b);
            CHECK(!std::equal(a->begin(), a->begin() + 8, b->begin()));
        }
    }
}

TEST_CASE("an established IKE SA sheds its handshake state, a half-open one keeps it", "[sa][memory]") {
    auto rng = crypto::make_seeded_rng(8);
    const auto fill = [&](sa::IkeSa& s) {
        s.ke = std::move(*crypto::make_key_exchange(crypto::KeId::Curve25519, *rng));
        s.init_request.assign(300, 1);
        s.init_response.assign(300, 2);
        s.nonce_i.assign(32, 3);
        s.nonce_r.assign(32, 4);
        s.cookie.assign(16, 5);
        s.peer_hashes = {crypto::HashAlgorithm::Sha256};
        crypto::IkeSaKeys k;
        const std::vector<std::uint8_t> b(32, 6);
        k.sk_d = crypto::SkD{std::span(b)};
        k.sk_ei = crypto::SkEi{std::span(b)};
        k.sk_pi = crypto::SkPi{std::span(b)};
        s.keys = std::move(k);
    };
    sa::IkeSa half{sa::Birth::responder};
    fill(half);
    half.shed_handshake_state();
    CHECK(half.ke);
    CHECK(half.init_request.size() == 300);
    CHECK(!half.keys->sk_pi.empty());  // IKE_AUTH still needs it

    sa::IkeSa live{sa::Birth::rekeyed};
    fill(live);
    live.shed_handshake_state();
    CHECK_FALSE(live.ke);
    CHECK(live.init_request.capacity() == 0);
    CHECK(live.init_response.capacity() == 0);
    CHECK(live.nonce_i.capacity() == 0);
    CHECK(live.nonce_r.capacity() == 0);
    CHECK(live.cookie.capacity() == 0);
    CHECK(live.peer_hashes.capacity() == 0);
    CHECK(live.keys->sk_ei.empty());
    CHECK(live.keys->sk_pi.empty());
    CHECK(live.keys->sk_d.size() == 32);  // child SA and IKE SA rekeys derive from it
}
