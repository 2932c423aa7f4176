// subjectAltName GeneralNames (RFC 5280 §4.2.1.6) written and read from raw DER, IPv6 included
// (Botan 2 alone drops IPv6 iPAddress entries).
#include "crypto/x509_san.hpp"

#include "cert_fixture.hpp"

using namespace ike::crypto;
using namespace ike::crypto::test;

TEST_CASE("RFC 5280 §4.2.1.6 GeneralNames: implicit tags, round trip", "[x509][san]") {
    SubjectAltNames names;
    names.dns = {"a.example"};
    names.ipv4 = {v4("10.0.0.1")};
    names.ipv6 = {v6("::1")};
    const auto der = encode_subject_alt_names(names);
    // SEQUENCE { [2] "a.example", [7] 0a000001, [7] ::1 }
    CHECK(der == hex("3023 8209612e6578616d706c65 87040a000001 871000000000000000000000000000000001"));
    const auto back = decode_subject_alt_names(der);
    REQUIRE(back.has_value());
    CHECK(*back == names);

    names.email = {"ops@a.example"};
    names.uri = {"https://a.example/"};
    names.directory = {hex("300f310d300b06035504030c0461626364")};  // CN=abcd
    CHECK(decode_subject_alt_names(encode_subject_alt_names(names)).value() == names);
}

TEST_CASE("Malformed subjectAltName values are refused", "[x509][san]") {
    CHECK(decode_subject_alt_names(hex("3000")).error() == CertError::Malformed);        // empty
    CHECK(decode_subject_alt_names(hex("3005 87030a0000")).error() == CertError::Malformed);  // 3-byte IP
    CHECK(decode_subject_alt_names(hex("3003 8201ff")).error() == CertError::Malformed);  // not IA5
    CHECK(decode_subject_alt_names(hex("3003 8201")).error() == CertError::Malformed);    // truncated
    // otherName [0] alone is skipped, not an error.
    const auto other = decode_subject_alt_names(hex("3009 a007 0603 2a0304 a000"));
    REQUIRE(other.has_value());
    CHECK(other->empty());
}
