// The injected RNG: seeded streams are reproducible and distinct per seed; the system RNG works.
#include "crypto/rng.hpp"
#include "crypto/secret.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

using namespace ike::crypto;

namespace {
std::vector<std::uint8_t> draw(Rng& rng, std::size_t n) {
    std::vector<std::uint8_t> out(n);
    rng.fill(out);
    return out;
}
}  // namespace

TEST_CASE("seeded RNG: same seed, same stream — different seed, different stream", "[rng]") {
    auto a = make_seeded_rng(42);
    auto b = make_seeded_rng(42);
    auto c = make_seeded_rng(43);
    const auto first = draw(*a, 64);
    CHECK(first == draw(*b, 64));
    CHECK(first != draw(*c, 64));
    CHECK(draw(*a, 64) != first);  // the stream moves on
}

TEST_CASE("system RNG produces distinct non-zero output", "[rng]") {
    auto rng = make_system_rng();
    const auto x = draw(*rng, 32);
    const auto y = draw(*rng, 32);
    CHECK(x != y);
    CHECK(x != std::vector<std::uint8_t>(32, 0));
}

TEST_CASE("secrets compare in constant time and are wiped on request", "[secret]") {
    const std::array<std::uint8_t, 4> k1{1, 2, 3, 4};
    const std::array<std::uint8_t, 4> k2{1, 2, 3, 5};
    struct TagA {};
    CHECK(Secret<TagA>(std::span<const std::uint8_t>(k1)) == Secret<TagA>(std::span<const std::uint8_t>(k1)));
    CHECK_FALSE(Secret<TagA>(std::span<const std::uint8_t>(k1)) == Secret<TagA>(std::span<const std::uint8_t>(k2)));
    CHECK_FALSE(constant_time_equal(k1, std::span<const std::uint8_t>(k2).first(3)));
    CHECK(Secret<TagA>::redacted() == "<redacted>");

    std::array<std::uint8_t, 8> buf{9, 9, 9, 9, 9, 9, 9, 9};
    secure_wipe(buf.data(), buf.size());
    CHECK(buf == std::array<std::uint8_t, 8>{});
}

TEST_CASE("child RNG: reproducible from a seeded parent, independent of the parent's stream", "[rng]") {
    auto p1 = make_seeded_rng(42);
    auto p2 = make_seeded_rng(42);
    auto c1 = make_child_rng(*p1);
    auto c2 = make_child_rng(*p2);
    const auto a = draw(*c1, 64);
    CHECK(a == draw(*c2, 64));
    CHECK(a != draw(*p1, 64));
    auto c3 = make_child_rng(*p1);  // the parent moved on: a different child
    CHECK(a != draw(*c3, 64));
}
