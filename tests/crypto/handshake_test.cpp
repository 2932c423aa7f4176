// The crypto of a whole IKEv2 handshake driven through the public API the engine will use, both
// sides in one process (RFC 7296 §1.2, §2.14-§2.17): every default group and SK suite; the two
// sides must derive the same keys and read each other's SK payloads, and the child SA keys must
// pair initiator-outbound with responder-inbound.
#include "crypto/esp_keys.hpp"
#include "crypto/ke.hpp"
#include "crypto/key_schedule.hpp"
#include "crypto/sk_payload.hpp"

#include "hex.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;
using namespace test_hex;

namespace {

struct Side {
    std::unique_ptr<KeyExchange> ke;
    IkeSaKeys keys;
};

std::vector<std::uint8_t> draw(Rng& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    rng.fill(v);
    return v;
}

}  // namespace

TEST_CASE("both sides of a handshake derive the same IKE and child SA keys and read each other", "[handshake]") {
    auto rng = make_seeded_rng(2026);
    const SkSuite suites[] = {
        {EncrId::AesGcm16, 256, IntegId::None},
        {EncrId::ChaCha20Poly1305, 0, IntegId::None},
        {EncrId::AesCbc, 128, IntegId::HmacSha2_384_192},
    };
    for (const auto& group : supported_ke()) {
        for (const auto& sk : suites) {
            CAPTURE(group.name, static_cast<int>(sk.encr));
            const PrfId prf = PrfId::HmacSha2_384;
            const auto ni = draw(*rng, 32), nr = draw(*rng, 48);
            const auto spi_i = draw(*rng, 8), spi_r = draw(*rng, 8);
            auto ke_i = make_key_exchange(group.id, *rng);
            auto ke_r = make_key_exchange(group.id, *rng);
            REQUIRE(ke_i);
            REQUIRE(ke_r);
            auto gir_i = (*ke_i)->shared_secret((*ke_r)->public_value());
            auto gir_r = (*ke_r)->shared_secret((*ke_i)->public_value());
            REQUIRE(gir_i);
            REQUIRE(gir_r);
            auto seed_i = derive_skeyseed(prf, ni, nr, *gir_i);
            auto seed_r = derive_skeyseed(prf, ni, nr, *gir_r);
            REQUIRE(seed_i);
            REQUIRE(seed_r);
            auto keys_i = derive_ike_sa_keys(prf, sk, *seed_i, ni, nr, spi_i, spi_r);
            auto keys_r = derive_ike_sa_keys(prf, sk, *seed_r, ni, nr, spi_i, spi_r);
            REQUIRE(keys_i);
            REQUIRE(keys_r);
            CHECK(keys_i->sk_d == keys_r->sk_d);
            CHECK(keys_i->sk_pi == keys_r->sk_pi);

            auto out_i = SkProtector::outbound(sk, *keys_i, Role::Initiator, *rng);
            auto in_r = SkUnprotector::inbound(sk, *keys_r, Role::Responder);
            auto out_r = SkProtector::outbound(sk, *keys_r, Role::Responder, *rng);
            auto in_i = SkUnprotector::inbound(sk, *keys_i, Role::Initiator);
            REQUIRE(out_i);
            REQUIRE(in_r);
            REQUIRE(out_r);
            REQUIRE(in_i);
            const auto header = draw(*rng, 32);
            const auto request = ascii("IDi | CERT | AUTH | SA | TSi | TSr");
            auto req = out_i->protect(header, request);
            REQUIRE(req);
            auto got_req = in_r->unprotect(header, *req);
            REQUIRE(got_req);
            CHECK(to_hex(*got_req) == to_hex(request));
            const auto response = ascii("IDr | CERT | AUTH | SA | TSi | TSr");
            auto resp = out_r->protect(header, response);
            REQUIRE(resp);
            auto got_resp = in_i->unprotect(header, *resp);
            REQUIRE(got_resp);
            CHECK(to_hex(*got_resp) == to_hex(response));

            // The AUTH octets each side computes for the initiator's AUTH agree (§2.15).
            const auto msg1 = draw(*rng, 300), id_i = ascii(std::string_view("\x02\0\0\0nyc.mesh.example", 20));
            auto a_i = initiator_signed_octets(prf, msg1, nr, keys_i->sk_pi, id_i);
            auto a_r = initiator_signed_octets(prf, msg1, nr, keys_r->sk_pi, id_i);
            REQUIRE(a_i);
            REQUIRE(a_r);
            CHECK(*a_i == *a_r);

            const EspSuite esp{sk.encr, sk.key_bits, sk.integ};
            auto child_i = derive_child_sa_keys(prf, keys_i->sk_d, esp, ni, nr);
            auto child_r = derive_child_sa_keys(prf, keys_r->sk_d, esp, ni, nr);
            REQUIRE(child_i);
            REQUIRE(child_r);
            CHECK(child_i->outbound(Role::Initiator).encr_key == child_r->inbound(Role::Responder).encr_key);
            CHECK(child_i->inbound(Role::Initiator).encr_key == child_r->outbound(Role::Responder).encr_key);
            CHECK(child_i->outbound(Role::Initiator).integ_key == child_r->inbound(Role::Responder).integ_key);
            CHECK_FALSE(child_i->outbound(Role::Initiator).encr_key == child_i->inbound(Role::Initiator).encr_key);
        }
    }
}

TEST_CASE("a man in the middle with a different KE value derives different keys", "[handshake]") {
    auto rng = make_seeded_rng(7);
    auto ke_i = make_key_exchange(KeId::Curve25519, *rng);
    auto ke_r = make_key_exchange(KeId::Curve25519, *rng);
    auto ke_m = make_key_exchange(KeId::Curve25519, *rng);
    REQUIRE(ke_i);
    REQUIRE(ke_r);
    REQUIRE(ke_m);
    auto gir_i = (*ke_i)->shared_secret((*ke_m)->public_value());  // the initiator got M's value
    auto gir_r = (*ke_r)->shared_secret((*ke_i)->public_value());
    REQUIRE(gir_i);
    REQUIRE(gir_r);
    const auto n = draw(*rng, 32);
    auto s_i = derive_skeyseed(PrfId::HmacSha2_256, n, n, *gir_i);
    auto s_r = derive_skeyseed(PrfId::HmacSha2_256, n, n, *gir_r);
    REQUIRE(s_i);
    REQUIRE(s_r);
    CHECK_FALSE(*s_i == *s_r);
}
