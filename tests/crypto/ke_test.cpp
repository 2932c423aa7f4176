// Key exchange: RFC 5903 §8 (ECP groups 19/20/21), RFC 7748 §5.2 and §6.1 (X25519, which RFC 8031
// uses), and rejection of bad peer public values (RFC 6989, RFC 8031 §2). RFC 5903 values are
// cross-checked against several independent transcriptions of the RFC (OpenBSD regress, Rust and
// Python test suites); the RFC 7748 values likewise.
#include "crypto/ke.hpp"

#include "hex.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace ike::crypto;
using namespace test_hex;

namespace {

struct EcpVector {
    KeId group;
    const char* i;
    const char* gix;
    const char* giy;
    const char* r;
    const char* grx;
    const char* gry;
    const char* girx;
};

const EcpVector kRfc5903[] = {
    // RFC 5903 §8.1: 256-bit random ECP group
    {KeId::Ecp256, "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
     "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
     "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
     "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
     "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
     "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
     "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE"},
    // RFC 5903 §8.2: 384-bit random ECP group
    {KeId::Ecp384,
     "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE 3FAEF896 783AB194",
     "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA",
     "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
     "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942 E0308312 916B8ED2 960E4BD5 5A7448FC",
     "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571",
     "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
     "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746"},
    // RFC 5903 §8.3: 521-bit random ECP group
    {KeId::Ecp521,
     "0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0 95AA85A3 0FE1C295 2C6771D9 37BA9777 "
     "F5957B26 39BAB072 462F68C2 7A57382D 4A52",
     "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE E1E3BF42 E00B8E38 0AEAE57C 2D107564 "
     "94188594 2AF5A7F4 601723C4 195D176C ED3E",
     "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A D8A78801 5AC405D7 799DC75E 7B7D5B6C "
     "F2261A6A 7F150743 8BF01BEB 6CA3926F 9582",
     "0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E 9C677D60 0B343757 A3BDBF2A 3163E4C2 "
     "F869CCA7 458AA4A4 EFFC311F 5CB15168 5EB9",
     "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21 9B97C356 436ADC6E 95BB0352 F6BE64A6 "
     "C2912D4E F2D0433C ED2B6171 640012D9 460F",
     "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87 220B6536 C5C408A1 D2AEBB8E 86D678AE "
     "49CB5709 1F473229 6579AB44 FCD17F0F C56A",
     "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04 D1427E73 CA4BAA24 0A347868 59810C06 "
     "B3C715A3 A8CC3151 F2BEE417 996D19F3 DDEA"},
};

// The RFC 3526 §3 2048-bit MODP prime (group 14).
std::vector<std::uint8_t> modp2048_prime() {
    return hex(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
        "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
        "15728E5A8AACAA68FFFFFFFFFFFFFFFF");
}

std::unique_ptr<KeyExchange> from_private(KeId g, const std::vector<std::uint8_t>& priv) {
    auto rng = make_seeded_rng(7);
    auto ke = make_key_exchange_from_private(g, priv, *rng);
    REQUIRE(ke);
    return std::move(*ke);
}

std::vector<std::uint8_t> concat(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    auto out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

}  // namespace

TEST_CASE("RFC 5903 §8: ECP groups 19, 20, 21 known answers (KE data is x | y, no 0x04)", "[ke][ecp][kat]") {
    for (const auto& v : kRfc5903) {
        CAPTURE(static_cast<int>(v.group));
        auto ini = from_private(v.group, hex(v.i));
        auto res = from_private(v.group, hex(v.r));
        const auto gi = concat(hex(v.gix), hex(v.giy));
        const auto gr = concat(hex(v.grx), hex(v.gry));
        CHECK(to_hex(ini->public_value()) == to_hex(gi));
        CHECK(to_hex(res->public_value()) == to_hex(gr));
        auto s1 = ini->shared_secret(gr);
        auto s2 = res->shared_secret(gi);
        REQUIRE(s1);
        REQUIRE(s2);
        CHECK(to_hex(s1->bytes()) == to_hex(hex(v.girx)));
        CHECK(to_hex(s2->bytes()) == to_hex(hex(v.girx)));
    }
}

TEST_CASE("RFC 7748 §5.2: X25519 function test vectors", "[ke][x25519][kat]") {
    struct V {
        const char *scalar, *u, *out;
    };
    const V vs[] = {
        {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
         "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
         "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
        // The u-coordinate has its top bit set: X25519 must ignore it (RFC 7748 §5).
        {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
         "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
         "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
    };
    for (const auto& v : vs) {
        auto ke = from_private(KeId::Curve25519, hex(v.scalar));
        auto k = ke->shared_secret(hex(v.u));
        REQUIRE(k);
        CHECK(to_hex(k->bytes()) == v.out);
    }
}

TEST_CASE("RFC 7748 §5.2: X25519 iterated 1 and 1000 times", "[ke][x25519][kat]") {
    auto k = hex("0900000000000000000000000000000000000000000000000000000000000000");
    auto u = k;
    for (int i = 1; i <= 1000; ++i) {
        auto ke = from_private(KeId::Curve25519, k);
        auto out = ke->shared_secret(u);
        REQUIRE(out);
        u = k;
        k = vec(out->bytes());
        if (i == 1) {
            CHECK(to_hex(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
        }
    }
    CHECK(to_hex(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

TEST_CASE("RFC 7748 §6.1: X25519 Diffie-Hellman between Alice and Bob", "[ke][x25519][kat]") {
    auto alice = from_private(KeId::Curve25519, hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    auto bob = from_private(KeId::Curve25519, hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    CHECK(to_hex(alice->public_value()) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    CHECK(to_hex(bob->public_value()) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    auto k1 = alice->shared_secret(bob->public_value());
    auto k2 = bob->shared_secret(alice->public_value());
    REQUIRE(k1);
    REQUIRE(k2);
    CHECK(to_hex(k1->bytes()) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    CHECK(*k1 == *k2);
}

TEST_CASE("every group: both sides agree, values have the registry's lengths", "[ke]") {
    auto rng = make_seeded_rng(2026);
    for (const auto& info : supported_ke()) {
        CAPTURE(info.name);
        auto a = make_key_exchange(info.id, *rng);
        auto b = make_key_exchange(info.id, *rng);
        REQUIRE(a);
        REQUIRE(b);
        CHECK((*a)->group() == info.id);
        CHECK((*a)->public_value().size() == info.public_len);
        CHECK(vec((*a)->public_value()) != vec((*b)->public_value()));
        auto s1 = (*a)->shared_secret((*b)->public_value());
        auto s2 = (*b)->shared_secret((*a)->public_value());
        REQUIRE(s1);
        REQUIRE(s2);
        CHECK(s1->size() == info.shared_len);
        CHECK(*s1 == *s2);
    }
}

TEST_CASE("MODP: peer values outside 1 < y < p-1 are rejected (RFC 6989 §2.1)", "[ke][modp][reject]") {
    auto rng = make_seeded_rng(1);
    for (const KeId g : {KeId::Modp2048, KeId::Modp3072, KeId::Modp4096}) {
        CAPTURE(static_cast<int>(g));
        auto ke = make_key_exchange(g, *rng);
        REQUIRE(ke);
        const std::size_t len = (*ke)->public_value().size();
        std::vector<std::uint8_t> zero(len, 0), one(len, 0), all_ff(len, 0xff);
        one.back() = 1;
        for (const auto& bad : {zero, one, all_ff}) {
            auto r = (*ke)->shared_secret(bad);
            REQUIRE_FALSE(r);
            CHECK(r.error() == CryptoError::PublicValueOutOfRange);
        }
        auto short_value = (*ke)->shared_secret(std::vector<std::uint8_t>(len - 1, 5));
        REQUIRE_FALSE(short_value);
        CHECK(short_value.error() == CryptoError::PublicValueLength);
        auto long_value = (*ke)->shared_secret(std::vector<std::uint8_t>(len + 1, 5));
        REQUIRE_FALSE(long_value);
        CHECK(long_value.error() == CryptoError::PublicValueLength);
    }
}

TEST_CASE("MODP group 14: y = p-1, p, p+1 rejected, y = 2 and p-2 accepted (RFC 6989 §2.1)",
          "[ke][modp][reject]") {
    // p ends in 64 one bits, so p-1 and p+1 differ from it in the last octets only.
    const auto p = modp2048_prime();
    REQUIRE(p.size() == 256);
    auto rng = make_seeded_rng(11);
    auto ke = make_key_exchange(KeId::Modp2048, *rng);
    REQUIRE(ke);
    auto with_last = [&](std::uint8_t last) {
        auto v = p;
        v[255] = last;
        return v;
    };
    auto p_plus_1 = p;  // ...68 ffffffffffffffff + 1 = ...69 0000000000000000
    std::fill(p_plus_1.end() - 8, p_plus_1.end(), std::uint8_t{0});
    REQUIRE(p_plus_1[247] == 0x68);
    p_plus_1[247] = 0x69;
    for (const auto& bad : {with_last(0xfe), p, p_plus_1}) {
        auto r = (*ke)->shared_secret(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error() == CryptoError::PublicValueOutOfRange);
    }
    std::vector<std::uint8_t> two(256, 0);
    two.back() = 2;
    CHECK((*ke)->shared_secret(two));
    CHECK((*ke)->shared_secret(with_last(0xfd)));  // p-2
}

TEST_CASE("MODP group 14: y^x is exact (2^3, 2^256, (p-2)^256 = (-2)^256, 2^2048 = 2^2048 - p)", "[ke][modp][kat]") {
    // Arithmetic known answers for the exponentiation itself.
    const auto p = modp2048_prime();
    REQUIRE(p.size() == 256);
    std::vector<std::uint8_t> two(256, 0);
    two[255] = 2;
    auto p_minus_2 = p;
    p_minus_2[255] = 0xfd;
    auto power_of_two = [](std::size_t k) {  // 2^k, k < 2048, as 256 big-endian octets
        std::vector<std::uint8_t> v(256, 0);
        v[255 - k / 8] = static_cast<std::uint8_t>(1u << (k % 8));
        return v;
    };
    std::vector<std::uint8_t> two_2048_minus_p(256);  // two's complement of p in 2048 bits
    unsigned carry = 1;
    for (std::size_t i = 256; i-- > 0;) {
        const unsigned v = static_cast<std::uint8_t>(~p[i]) + carry;
        two_2048_minus_p[i] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
    struct Case {
        std::vector<std::uint8_t> x, y, z;
    };
    const Case cases[] = {
        {{0x03}, two, power_of_two(3)},
        {{0x01, 0x00}, two, power_of_two(256)},
        {{0x01, 0x00}, p_minus_2, power_of_two(256)},
        {{0x08, 0x00}, two, two_2048_minus_p},
    };
    auto rng = make_seeded_rng(12);
    for (const auto& c : cases) {
        auto ke = make_key_exchange_from_private(KeId::Modp2048, c.x, *rng);
        REQUIRE(ke);
        auto z = (*ke)->shared_secret(c.y);
        REQUIRE(z);
        CHECK(to_hex(z->bytes()) == to_hex(c.z));
    }
    // g = 2: the public value for x = 256 is 2^256 too.
    auto ke = make_key_exchange_from_private(KeId::Modp2048, std::vector<std::uint8_t>{0x01, 0x00}, *rng);
    REQUIRE(ke);
    CHECK(to_hex((*ke)->public_value()) == to_hex(power_of_two(256)));
}

TEST_CASE("ECP: peer points off the curve, at infinity or mis-encoded are rejected (RFC 6989 §2.3)",
          "[ke][ecp][reject]") {
    auto rng = make_seeded_rng(3);
    for (const KeId g : {KeId::Ecp256, KeId::Ecp384, KeId::Ecp521}) {
        CAPTURE(static_cast<int>(g));
        auto a = make_key_exchange(g, *rng);
        auto b = make_key_exchange(g, *rng);
        REQUIRE(a);
        REQUIRE(b);
        auto good = vec((*b)->public_value());
        const std::size_t len = good.size();

        auto off_curve = good;
        off_curve.back() ^= 1;  // y + 1 (or - 1): not a point of the curve
        auto r1 = (*a)->shared_secret(off_curve);
        REQUIRE_FALSE(r1);
        CHECK(r1.error() == CryptoError::PointNotOnCurve);

        auto r2 = (*a)->shared_secret(std::vector<std::uint8_t>(len, 0));  // (0, 0): no identity encoding
        REQUIRE_FALSE(r2);
        CHECK((r2.error() == CryptoError::PointNotOnCurve || r2.error() == CryptoError::PointAtInfinity));

        auto r3 = (*a)->shared_secret(std::vector<std::uint8_t>(len, 0xff));  // coordinates >= p
        REQUIRE_FALSE(r3);
        CHECK(r3.error() == CryptoError::PointNotOnCurve);

        auto prefixed = good;
        prefixed.insert(prefixed.begin(), 0x04);  // SEC1 uncompressed form is not the IKE encoding
        auto r4 = (*a)->shared_secret(prefixed);
        REQUIRE_FALSE(r4);
        CHECK(r4.error() == CryptoError::PublicValueLength);

        CHECK((*a)->shared_secret(good));
    }
}

TEST_CASE("X25519: low-order peer values giving the all-zero secret are rejected (RFC 8031 §2)",
          "[ke][x25519][reject]") {
    auto rng = make_seeded_rng(4);
    auto ke = make_key_exchange(KeId::Curve25519, *rng);
    REQUIRE(ke);
    const char* low_order[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",  // u = 0
        "0100000000000000000000000000000000000000000000000000000000000000",  // u = 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // u = p - 1
    };
    for (const char* u : low_order) {
        CAPTURE(u);
        auto r = (*ke)->shared_secret(hex(u));
        REQUIRE_FALSE(r);
        CHECK(r.error() == CryptoError::AllZeroSharedSecret);
    }
    auto short_value = (*ke)->shared_secret(std::vector<std::uint8_t>(31, 9));
    REQUIRE_FALSE(short_value);
    CHECK(short_value.error() == CryptoError::PublicValueLength);
}

TEST_CASE("key exchange from a private value: bad sizes are typed errors", "[ke]") {
    auto rng = make_seeded_rng(5);
    auto x = make_key_exchange_from_private(KeId::Curve25519, std::vector<std::uint8_t>(31, 1), *rng);
    REQUIRE_FALSE(x);
    CHECK(x.error() == CryptoError::InvalidKeyLength);
    auto e = make_key_exchange_from_private(KeId::Ecp256, std::vector<std::uint8_t>(32, 0), *rng);
    REQUIRE_FALSE(e);
    CHECK(e.error() == CryptoError::InvalidKeyLength);
    auto m = make_key_exchange_from_private(KeId::Modp2048, std::vector<std::uint8_t>{1}, *rng);
    REQUIRE_FALSE(m);
    CHECK(m.error() == CryptoError::InvalidKeyLength);
    auto u = make_key_exchange(static_cast<KeId>(2), *rng);
    REQUIRE_FALSE(u);
    CHECK(u.error() == CryptoError::UnsupportedTransform);
}
