// RFC 7296 §3 round-trip properties on generated messages: decode(encode(m)) == m and
// encode(decode(b)) == b, for whole messages and for SK inner chains.
#include "generate.hpp"
#include "test_util.hpp"

using namespace ike::wire;
using namespace ike::wire::test;

TEST_CASE("RFC 7296 3: decode(encode(m)) == m and encode(decode(b)) == b on 5000 messages",
          "[wire][roundtrip]") {
    Generator g(20261127);
    std::size_t payloads = 0;
    for (int i = 0; i < 5000; ++i) {
        const Message m = g.message();
        payloads += m.payloads.size();
        const Bytes b = encode(m);
        auto d = decode(b);
        if (!d) FAIL("message " << i << ": decode error at " << d.error().offset << ": " << d.error().what());
        REQUIRE(*d == m);
        REQUIRE(encode(*d) == b);
    }
    CHECK(payloads > 15000);
}

TEST_CASE("RFC 7296 3.14: SK inner chains round-trip through encode_inner/decode_inner",
          "[wire][roundtrip]") {
    Generator g(7);
    for (int i = 0; i < 2000; ++i) {
        const auto chain = g.chain(10);
        const auto enc = encode_inner(chain);
        auto d = decode_inner(enc.first, enc.bytes);
        if (!d) FAIL("chain " << i << ": decode error at " << d.error().offset << ": " << d.error().what());
        REQUIRE(*d == chain);
    }
}

TEST_CASE("RFC 7296 3: every truncation of a valid message fails cleanly", "[wire][roundtrip]") {
    Generator g(99);
    for (int i = 0; i < 300; ++i) {
        Bytes b = encode(g.message());
        // Cut the datagram and fix the header length so the payload chain itself is short.
        for (std::size_t cut = 28; cut < b.size(); ++cut) {
            Bytes t(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cut));
            t[24] = static_cast<std::uint8_t>(cut >> 24);
            t[25] = static_cast<std::uint8_t>(cut >> 16);
            t[26] = static_cast<std::uint8_t>(cut >> 8);
            t[27] = static_cast<std::uint8_t>(cut);
            auto d = decode(t);
            if (d) REQUIRE(encode(*d) == t);  // a cut at a payload boundary of the last one
            else REQUIRE(d.error().offset <= cut);
        }
    }
}
