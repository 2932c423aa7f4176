// The test PKI's parser on hostile bytes: the engine fuzzer re-encrypts mutated CERT payloads, so
// the sim verifier sees arbitrary certificates before any signature check (fuzz/engine findings).
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "network.hpp"
#include "test_pki.hpp"

using namespace ike;

namespace {

using Bytes = std::vector<std::uint8_t>;

void field(Bytes& out, const Bytes& f) {
    out.push_back(static_cast<std::uint8_t>(f.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(f.size()));
    out.insert(out.end(), f.begin(), f.end());
}

Bytes be64(std::uint64_t v) {
    Bytes b(8);
    for (int i = 7; i >= 0; --i, v >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return b;
}

// A "TCRT" with the given address field and validity, a junk signature and issuer "CN=ca".
Bytes forged(const Bytes& addresses, std::uint64_t not_before, std::uint64_t not_after) {
    Bytes out{'T', 'C', 'R', 'T'};
    field(out, {'a'});
    field(out, addresses);
    field(out, {});
    field(out, be64(not_before));
    field(out, be64(not_after));
    field(out, {1});
    field(out, {'C', 'N', '=', 'c', 'a'});
    field(out, {0x30});
    field(out, Bytes(64, 0));
    return out;
}

AuthFailure reason_for(const Bytes& cert) {
    sim::TestCa ca("ca", 1);
    const std::vector<Bytes> chain{cert};
    const auto r = ca.verifier()->verify(chain, {}, sim::start_time());
    REQUIRE_FALSE(r);
    return r.error().reason;
}

}  // namespace

// fuzz/engine/corpus/regress-test-pki-short-address: an IPv6 tag before 4 octets made the parser
// copy 16 octets past the field (ASan: heap-buffer-overflow).
TEST_CASE("sim: the test PKI refuses a certificate whose address list is cut short") {
    CHECK(reason_for(forged({6, 192, 0, 2, 1}, 0, 1)) == AuthFailure::malformed_certificate);
    CHECK(reason_for(forged({4, 192, 0}, 0, 1)) == AuthFailure::malformed_certificate);
    CHECK(reason_for(forged({4, 192, 0, 2, 1, 6}, 0, 1)) == AuthFailure::malformed_certificate);
    CHECK(reason_for(forged({9, 192, 0, 2, 1}, 0, 1)) == AuthFailure::malformed_certificate);
    // Well-formed addresses reach the signature check, which the junk signature fails.
    CHECK(reason_for(forged({4, 192, 0, 2, 1}, 0, 1)) == AuthFailure::unknown_ca);
}

// The same fuzz run: UBSan, signed overflow converting 72057595820791936 s to nanoseconds.
TEST_CASE("sim: the test PKI clamps validity times that nanoseconds cannot hold") {
    CHECK(reason_for(forged({}, 72057595820791936, std::numeric_limits<std::uint64_t>::max())) ==
          AuthFailure::unknown_ca);
    CHECK(reason_for(forged({}, 0x8000000000000000, 0x7fffffffffffffff)) == AuthFailure::unknown_ca);
}
