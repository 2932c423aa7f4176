// The certificate cache returns the same parsed object (and loaded key) for the same bytes, and
// stays within its capacity.
#include "crypto/cert_cache.hpp"

#include "cert_fixture.hpp"

using namespace ike::crypto;
using namespace ike::crypto::test;

TEST_CASE("CertificateCache: hits share the parsed certificate — LRU eviction", "[x509][cache]") {
    auto rng = make_seeded_rng(300);
    const auto ca = make_root(*rng);
    const auto a = make_node(ca, *rng, node_profile("a.mesh.example", 1)).cert;
    const auto b = make_node(ca, *rng, node_profile("b.mesh.example", 2)).cert;
    const auto c = make_node(ca, *rng, node_profile("c.mesh.example", 3)).cert;
    CertificateCache cache(2);
    const auto a1 = cache.get(a.der()).value();
    const auto a2 = cache.get(a.der()).value();
    CHECK(&a1.public_key().impl() == &a2.public_key().impl());  // one key load for both
    CHECK(cache.hits() == 1);
    CHECK(cache.misses() == 1);
    REQUIRE(cache.get(b.der()).has_value());
    REQUIRE(cache.get(a.der()).has_value());  // a is now the most recent
    REQUIRE(cache.get(c.der()).has_value());  // evicts b
    CHECK(cache.size() == 2);
    const auto misses = cache.misses();
    REQUIRE(cache.get(a.der()).has_value());
    CHECK(cache.misses() == misses);
    REQUIRE(cache.get(b.der()).has_value());
    CHECK(cache.misses() == misses + 1);
    CHECK(cache.get(std::vector<std::uint8_t>{0x30, 0x00}).error() == CertError::Malformed);
    CHECK(cache.size() == 2);
}
