// RFC 7296 §3.3: the Security Association payload, proposals, transforms and attributes.
#include "test_util.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

namespace {

const Bytes ike_proposal = hex(
    "02 00 002c 01 01 00 04"
    "  03 00 000c 01 00 0014 800e 0100"   // ENCR_AES_GCM_16, Key Length 256
    "  03 00 0008 02 00 0005"             // PRF_HMAC_SHA2_256
    "  03 00 0008 04 00 001f"             // KE CURVE_25519
    "  00 00 0008 04 00 0013");           // KE ECP_256
const Bytes esp_proposal = hex(
    "00 00 0020 02 03 04 02 c0ffee01"
    "  03 00 000c 01 00 000c 800e 0080"   // ENCR_AES_CBC, Key Length 128
    "  00 00 0008 05 00 0000");           // NO_ESN

Bytes sa_message(const Bytes& body) {
    return single(33, body);
}

}  // namespace

TEST_CASE("RFC 7296 3.3: SA with an IKE and an ESP proposal, both directions", "[wire][sa]") {
    const auto sa = decode_single<SecurityAssociation>(sa_message(cat({ike_proposal, esp_proposal})));
    REQUIRE(sa.proposals.size() == 2);
    const auto& p1 = sa.proposals[0];
    CHECK(p1.number == 1);
    CHECK(p1.protocol == ProtocolId::ike);
    CHECK(p1.spi.empty());
    REQUIRE(p1.transforms.size() == 4);
    CHECK(p1.transforms[0].type == TransformType::encr);
    CHECK(p1.transforms[0].id == raw(EncrId::aes_gcm_16));
    CHECK(p1.transforms[0].key_length() == 256);
    CHECK(p1.transforms[1].type == TransformType::prf);
    CHECK(p1.transforms[1].id == raw(PrfId::hmac_sha2_256));
    CHECK_FALSE(p1.transforms[1].key_length());
    CHECK(p1.transforms[2].id == raw(KeGroup::curve25519));
    CHECK(p1.transforms[3].id == raw(KeGroup::ecp256));
    const auto& p2 = sa.proposals[1];
    CHECK(p2.number == 2);
    CHECK(p2.protocol == ProtocolId::esp);
    CHECK(p2.spi == hex("c0ffee01"));
    CHECK(p2.transforms[1].type == TransformType::esn);
    CHECK(p2.transforms[1].id == raw(EsnId::no_esn));
}

TEST_CASE("RFC 7296 3.3: an SA built in code encodes to the hand-built bytes", "[wire][sa]") {
    SecurityAssociation sa;
    Proposal p;
    p.number = 1;
    p.protocol = ProtocolId::ike;
    p.transforms = {
        {TransformType::encr, raw(EncrId::aes_gcm_16), {{AttributeType::key_length, std::uint16_t{256}}}},
        {TransformType::prf, raw(PrfId::hmac_sha2_256), {}},
        {TransformType::ke, raw(KeGroup::curve25519), {}},
        {TransformType::ke, raw(KeGroup::ecp256), {}},
    };
    sa.proposals.push_back(p);
    Message m;
    m.header.spi_i = 0x0102030405060708ULL;
    m.header.initiator = true;
    m.payloads.push_back(sa);
    Bytes expected_proposal = ike_proposal;
    expected_proposal[0] = 0;  // the only proposal is the last
    CHECK(encode(m) == sa_message(expected_proposal));
}

TEST_CASE("RFC 7296 3.3.5: TLV attributes are kept — Key Length must be TV", "[wire][sa]") {
    const Bytes tlv = hex("00 00 0014 01 01 00 01  00 00 000c 01 00 000c 0011 0000");
    const auto sa = decode_single<SecurityAssociation>(sa_message(tlv));
    const auto& a = sa.proposals[0].transforms[0].attributes;
    REQUIRE(a.size() == 1);
    CHECK(raw(a[0].type) == 0x11);
    CHECK(std::get<Bytes>(a[0].value).empty());

    const Bytes tlv2 = hex("00 00 0016 01 01 00 01  00 00 000e 01 00 000c 0011 0002 abcd");
    const auto sa2 = decode_single<SecurityAssociation>(sa_message(tlv2));
    CHECK(std::get<Bytes>(sa2.proposals[0].transforms[0].attributes[0].value) == hex("abcd"));

    const auto e = decode_error(sa_message(hex("00 00 0016 01 01 00 01  00 00 000e 01 00 000c 000e 0002 0100")));
    CHECK(e.rule == DecodeRule::key_length_not_tv);
    CHECK(e.payload == PayloadType::sa);
    CHECK(e.offset == 32 + 16);
}

TEST_CASE("RFC 7296 3.3.5: a truncated attribute is INVALID_SYNTAX", "[wire][sa]") {
    // TLV length 4 with 2 bytes present.
    auto e = decode_error(sa_message(hex("00 00 0016 01 01 00 01  00 00 000e 01 00 000c 0011 0004 abcd")));
    CHECK(e.rule == DecodeRule::attribute_truncated);
    // Two stray bytes after an attribute.
    e = decode_error(sa_message(hex("00 00 0012 01 01 00 01  00 00 000a 01 00 000c 800e")));
    CHECK(e.rule == DecodeRule::attribute_truncated);
}

TEST_CASE("RFC 7296 3.3: an SA without proposals is INVALID_SYNTAX", "[wire][sa]") {
    CHECK(decode_error(sa_message({})).rule == DecodeRule::sa_no_proposal);
}

TEST_CASE("RFC 7296 3.3.1: proposal Last Substruc must be 2 before another, 0 at the end",
          "[wire][sa]") {
    Bytes b = cat({ike_proposal, esp_proposal});
    b[0] = 0;  // says last, but another follows
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::proposal_last_substruc);
    b = cat({ike_proposal, esp_proposal});
    b[ike_proposal.size()] = 2;  // says more, but none follows
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::proposal_last_substruc);
    b = esp_proposal;
    b[0] = 3;  // a transform marker on a proposal
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::proposal_last_substruc);
}

TEST_CASE("RFC 7296 3.3.1: proposal length below 8 or past the SA is INVALID_SYNTAX", "[wire][sa]") {
    Bytes b = esp_proposal;
    b[3] = 7;
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::proposal_length);
    b[3] = 0x21;
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::proposal_length);
    CHECK(decode_error(sa_message(hex("00 00 0008 01 01"))).rule == DecodeRule::proposal_length);
    // SPI size larger than the proposal.
    CHECK(decode_error(sa_message(hex("00 00 000a 01 05 04 00 abcd"))).rule == DecodeRule::proposal_length);
}

TEST_CASE("RFC 7296 3.3.1: proposal numbers are consecutive", "[wire][sa]") {
    Bytes b = cat({ike_proposal, esp_proposal});
    b[ike_proposal.size() + 4] = 3;
    const auto e = decode_error(sa_message(b));
    CHECK(e.rule == DecodeRule::proposal_number);
    CHECK(e.offset == 32 + ike_proposal.size() + 4);
    b = esp_proposal;
    b[4] = 0;
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::proposal_number);
    // A response echoes the chosen number: a single proposal numbered 2 is fine.
    b = esp_proposal;
    CHECK(decode_single<SecurityAssociation>(sa_message(b)).proposals[0].number == 2);
}

TEST_CASE("RFC 7296 3.3.1: SPI size is 0 or 8 for IKE, 4 for AH and ESP", "[wire][sa]") {
    auto e = decode_error(sa_message(hex("00 00 000c 01 01 04 00 01020304")));
    CHECK(e.rule == DecodeRule::proposal_spi_size);
    CHECK(e.offset == 38);
    CHECK(decode_error(sa_message(hex("00 00 0010 01 03 08 00 0102030405060708"))).rule ==
          DecodeRule::proposal_spi_size);
    CHECK(decode_error(sa_message(hex("00 00 0008 01 02 00 00"))).rule == DecodeRule::proposal_spi_size);
    // IKE SA rekey (CREATE_CHILD_SA): 8-byte SPI.
    const auto sa = decode_single<SecurityAssociation>(sa_message(hex("00 00 0010 01 01 08 00 0102030405060708")));
    CHECK(sa.proposals[0].spi.size() == 8);
}

TEST_CASE("RFC 7296 3.3.2: transform length and Last Substruc are checked", "[wire][sa]") {
    Bytes b = esp_proposal;
    b[12 + 3] = 7;  // first transform length 7
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::transform_length);
    b = esp_proposal;
    b[12 + 3] = 0x40;  // past the proposal
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::transform_length);
    b = esp_proposal;
    b[12] = 0;  // first transform claims to be the last
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::transform_last_substruc);
    b = esp_proposal;
    b[24] = 3;  // last transform claims more
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::transform_last_substruc);
    b = esp_proposal;
    b[12] = 2;
    CHECK(decode_error(sa_message(b)).rule == DecodeRule::transform_last_substruc);
    // Fewer than 8 bytes left for a transform.
    CHECK(decode_error(sa_message(hex("00 00 000c 01 01 00 01 00000004"))).rule == DecodeRule::transform_length);
}

TEST_CASE("RFC 7296 3.3.1: Num Transforms must match the transforms present", "[wire][sa]") {
    Bytes b = esp_proposal;
    b[7] = 3;
    const auto e = decode_error(sa_message(b));
    CHECK(e.rule == DecodeRule::transform_count);
    CHECK(e.offset == 32 + 7);
}

TEST_CASE("RFC 7296 3.3: unknown protocols, transform types and IDs are kept", "[wire][sa]") {
    const Bytes b = hex("00 00 0012 01 09 02 01 abcd  00 00 0008 63 00 ffff");
    const auto sa = decode_single<SecurityAssociation>(sa_message(b));
    CHECK(raw(sa.proposals[0].protocol) == 9);
    CHECK(raw(sa.proposals[0].transforms[0].type) == 0x63);
    CHECK(sa.proposals[0].transforms[0].id == 0xffff);
}
