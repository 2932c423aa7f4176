// RFC 3779 IPAddrBlocks: canonical DER (§2.2.3.6-§2.2.3.9), merging, containment, and the
// subset rule between a certificate and its issuer (§2.3).
#include "crypto/ip_blocks.hpp"

#include "cert_test_util.hpp"

#include <catch2/catch.hpp>

using namespace ike::crypto;
using ike::crypto::test::hex;

namespace {
IpRange net(std::string_view s) {
    auto r = IpRange::parse(s);
    REQUIRE(r.has_value());
    return *r;
}
IpAddrBlocks blocks(std::initializer_list<std::string_view> nets) {
    IpAddrBlocks b;
    for (const auto n : nets) {
        b.add(net(n));
    }
    return b;
}
}  // namespace

TEST_CASE("RFC 3779 §2.2.3.8 a prefix is a BIT STRING of its length", "[ip_blocks]") {
    CHECK(blocks({"10.0.1.0/24"}).encode_der() ==
          hex("300e 300c 04020001 3006 0304000a0001"));
    // 2001:db8::/32 -> 4 bytes, no unused bits.
    CHECK(blocks({"2001:db8::/32"}).encode_der() ==
          hex("300f 300d 04020002 3007 030500 20010db8"));
    // 10.0.0.0/7 ends mid-byte: one unused bit.
    CHECK(blocks({"10.0.0.0/7"}).encode_der() == hex("300c 300a 04020001 3004 0302010a"));
    // The whole space: a zero-length BIT STRING.
    CHECK(blocks({"0.0.0.0/0"}).encode_der() == hex("300b 3009 04020001 3003 030100"));
}

TEST_CASE("RFC 3779 §2.2.3.7 a range drops trailing zeros of min and trailing ones of max",
          "[ip_blocks]") {
    // 10.0.0.0 - 10.0.1.127: min keeps 7 bits (0000101), max keeps 25 bits.
    const auto r = IpRange::range(hex("0a000000"), hex("0a00017f"));
    REQUIRE(r.has_value());
    IpAddrBlocks b;
    b.add(*r);
    const auto der = b.encode_der();
    CHECK(der == hex("3015 3013 04020001 300d 300b 0302010a 0305070a000100"));
    const auto back = IpAddrBlocks::decode_der(der);
    REQUIRE(back.has_value());
    CHECK(*back == b);
    CHECK(back->ranges(IpFamily::V4).at(0).to_string() == "10.0.0.0-10.0.1.127");
}

TEST_CASE("IP blocks merge, sort, and answer containment", "[ip_blocks]") {
    auto b = blocks({"10.0.3.0/24", "10.0.0.128/25", "10.0.0.0/25", "fd00:1::/48"});
    REQUIRE(b.ranges(IpFamily::V4).size() == 2);
    CHECK(b.ranges(IpFamily::V4)[0].to_string() == "10.0.0.0/24");  // the two halves merged
    CHECK(b.contains(net("10.0.0.7")));
    CHECK(b.contains(net("10.0.3.0/25")));
    CHECK_FALSE(b.contains(net("10.0.2.0/24")));
    CHECK_FALSE(b.contains(net("10.0.0.0/16")));
    CHECK(b.contains(net("fd00:1::1")));
    CHECK(b.contains(net("fd00:1:0:5::/64")));
    CHECK_FALSE(b.contains(net("fd00:2::/64")));
    const auto back = IpAddrBlocks::decode_der(b.encode_der());
    REQUIRE(back.has_value());
    CHECK(*back == b);
    CHECK(back->encode_der() == b.encode_der());
}

TEST_CASE("RFC 3779 §2.3 blocks must lie within the issuer's — inherit", "[ip_blocks]") {
    const auto issuer = blocks({"10.0.0.0/16", "fd00::/16"});
    CHECK(blocks({"10.0.5.0/24"}).within(issuer));
    CHECK(blocks({"10.0.5.0/24", "fd00:5::/32"}).within(issuer));
    CHECK_FALSE(blocks({"10.1.0.0/24"}).within(issuer));
    IpAddrBlocks inherit;
    inherit.set_inherit(IpFamily::V4);
    CHECK(inherit.within(issuer));
    CHECK(inherit.inherits(IpFamily::V4));
    CHECK_FALSE(inherit.contains(net("10.0.0.1")));  // unresolved inherit grants nothing here
    CHECK(inherit.encode_der() == hex("3008 3006 04020001 0500"));
    CHECK(IpAddrBlocks::decode_der(inherit.encode_der()).value() == inherit);
}

TEST_CASE("Malformed IPAddrBlocks are refused", "[ip_blocks]") {
    CHECK(IpAddrBlocks::decode_der(hex("3003")).error() == CertError::Malformed);
    // AFI 3 does not exist.
    CHECK(IpAddrBlocks::decode_der(hex("300b 3009 04020003 3003 030100")).error() ==
          CertError::Malformed);
    // 5 address bytes for IPv4.
    CHECK(IpAddrBlocks::decode_der(hex("3010 300e 04020001 3008 0306000a00000000")).error() ==
          CertError::Malformed);
    // Range with max < min.
    CHECK(IpAddrBlocks::decode_der(hex("3018 3016 04020001 3010 300e 0305000a000100 0305000a000000"))
              .error() == CertError::Malformed);
    CHECK(IpRange::parse("10.0.0.0/33").error() == CertError::InvalidArgument);
    CHECK(IpRange::parse("10.0.0/8").error() == CertError::InvalidArgument);
    CHECK(IpRange::parse("10.0.0.0/").error() == CertError::InvalidArgument);
}
