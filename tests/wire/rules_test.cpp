// Every decode rule (RFC 7296 §3 length, count and nesting rules; RFC 7383 §2.5) has at least
// one malformed message that triggers it; a rule added without a case here fails the test.
#include <set>

#include "test_util.hpp"
#include "wire/format.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

namespace {

struct Case {
    DecodeRule rule;
    Bytes bytes;
};

Bytes with_byte(Bytes b, std::size_t at, std::uint8_t v) {
    b[at] = v;
    return b;
}

std::vector<Case> cases() {
    using R = DecodeRule;
    const Bytes empty = message(0, {});
    const Bytes sk = payload(0, hex("00"));
    return {
        {R::message_too_short, Bytes(empty.begin(), empty.begin() + 27)},
        {R::length_mismatch, with_byte(empty, 27, 27)},
        {R::ikev1_version, with_byte(empty, 17, 0x10)},
        {R::invalid_major_version, with_byte(empty, 17, 0x30)},
        {R::zero_initiator_spi, cat({Bytes(8, 0), Bytes(empty.begin() + 8, empty.end())})},
        {R::payload_header_truncated, message(43, hex("00"))},
        {R::payload_length_too_small, message(43, hex("00000002"))},
        {R::payload_length_overflow, message(43, hex("00000010"))},
        {R::trailing_bytes, message(0, hex("00"))},
        {R::encrypted_not_last, message(46, cat({sk, payload(0, {})}))},
        {R::nested_encrypted, {}},  // decode_inner only: checked below
        {R::unsupported_critical_payload, message(99, payload(0, {}, true))},
        {R::body_truncated, single(34, hex("00"))},
        {R::sa_no_proposal, single(33, {})},
        {R::proposal_length, single(33, hex("00 00 0007 01 01 00 00"))},
        {R::proposal_last_substruc, single(33, hex("02 00 0008 01 01 00 00"))},
        {R::proposal_number, single(33, hex("02 00 0008 01 01 00 00  00 00 0008 03 01 00 00"))},
        {R::proposal_spi_size, single(33, hex("00 00 0009 01 03 01 00 00"))},
        {R::transform_length, single(33, hex("00 00 0010 01 01 00 01  00 00 0007 01 00 0014"))},
        {R::transform_last_substruc, single(33, hex("00 00 0010 01 01 00 01  03 00 0008 01 00 0014"))},
        {R::transform_count, single(33, hex("00 00 0010 01 01 00 02  00 00 0008 01 00 0014"))},
        {R::attribute_truncated, single(33, hex("00 00 0012 01 01 00 01  00 00 000a 01 00 0014 800e"))},
        {R::key_length_not_tv, single(33, hex("00 00 0016 01 01 00 01  00 00 000e 01 00 0014 000e 0002 0100"))},
        {R::id_address_length, single(35, hex("01000000 0a00"))},
        {R::certreq_hash_length, single(38, hex("04 00"))},
        {R::nonce_length, single(40, Bytes(15, 1))},
        {R::notify_data_length, single(41, hex("0000 0011 00"))},
        {R::delete_spi_size, single(42, hex("03 00 0000"))},
        {R::delete_spi_count, single(42, hex("03 04 0002 00000001"))},
        {R::delete_protocol, single(42, hex("07 04 0000"))},
        {R::ts_count, single(44, hex("00000000"))},
        {R::ts_length, single(44, hex("01000000 07 00 0011 0000 ffff 0a000000 0a0000ff 00"))},
        {R::ts_type, single(44, hex("01000000 0a 00 0010 0000 ffff 0a000000 0a0000ff"))},
        {R::cp_attribute_truncated, single(47, hex("01000000 0001"))},
        {R::cp_attribute_length, single(47, hex("02000000 0001 0002 0a00"))},
        {R::eap_too_short, single(48, hex("0101"))},
        {R::eap_length, single(48, hex("0101 0009 01"))},
        {R::skf_fragment_number, message(53, payload(0, hex("0002 0001")), 35)},
        {R::skf_next_payload, message(53, payload(41, hex("0002 0002")), 35)},
    };
}

}  // namespace

TEST_CASE("RFC 7296 3: every decode rule has a malformed case that triggers it", "[wire][rules]") {
    std::set<DecodeRule> seen;
    for (const auto& c : cases()) {
        INFO("rule: " << describe(c.rule));
        seen.insert(c.rule);
        if (c.bytes.empty()) continue;
        auto m = decode(c.bytes);
        REQUIRE_FALSE(m);
        CHECK(m.error().rule == c.rule);
        CHECK(m.error().offset <= c.bytes.size());
        CHECK(m.error().what() == describe(c.rule));
        CHECK_FALSE(m.error().what().empty());
    }
    auto nested = decode_inner(PayloadType::vendor_id, cat({payload(46, {}), payload(0, {})}));
    REQUIRE_FALSE(nested);
    CHECK(nested.error().rule == DecodeRule::nested_encrypted);

    for (unsigned v = 0; v <= static_cast<unsigned>(DecodeRule::skf_next_payload); ++v) {
        INFO("rule " << v << ": " << describe(static_cast<DecodeRule>(v)));
        CHECK(seen.count(static_cast<DecodeRule>(v)) == 1);
    }
}

TEST_CASE("RFC 7296 2.21: header errors are dropped, payload errors answered", "[wire][rules]") {
    using R = DecodeRule;
    for (const auto& c : cases()) {
        if (c.bytes.empty()) continue;
        auto m = decode(c.bytes);
        REQUIRE_FALSE(m);
        const bool header = c.rule == R::message_too_short || c.rule == R::length_mismatch ||
                            c.rule == R::ikev1_version || c.rule == R::zero_initiator_spi;
        INFO("rule: " << describe(c.rule));
        CHECK((m.error().reaction == Reaction::drop) == header);
        if (!header && c.rule != R::invalid_major_version && c.rule != R::unsupported_critical_payload)
            CHECK(m.error().notify == NotifyType::invalid_syntax);
    }
}
