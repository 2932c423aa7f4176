// The reply/event parser on real kernel replies (captured by tests/xfrm/data/capture.sh from
// Linux 6.18 with iproute2) and on hand-made malformed input.
#include <catch2/catch.hpp>
#include <linux/netlink.h>
#include <linux/xfrm.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "test_data.hpp"
#include "xfrm/error.hpp"
#include "xfrm/format.hpp"
#include "xfrm/parse.hpp"

using namespace meshd::xfrm;
using meshd::xfrm::test::load_hex;

namespace {

Address addr(const char* text) { return *Address::parse(text); }

// The messages point into `bytes`: like split_messages, this refuses a temporary buffer (these
// tests once passed `load_hex(...)` straight in and read freed memory; ASan found it).
std::vector<NetlinkMessage> messages_of(const std::vector<std::uint8_t>& bytes) {
    auto parsed = split_messages(bytes);
    REQUIRE(parsed.has_value());
    return *parsed;
}
std::vector<NetlinkMessage> messages_of(std::vector<std::uint8_t>&& bytes) = delete;

template <typename Buffer>
constexpr bool splits = requires(Buffer&& b) { split_messages(std::forward<Buffer>(b)); };

}  // namespace

TEST_CASE("split_messages refuses an owning temporary, whose messages would dangle", "[parse][lifetime]") {
    STATIC_REQUIRE(splits<std::vector<std::uint8_t>&>);
    STATIC_REQUIRE(splits<const std::vector<std::uint8_t>&>);
    STATIC_REQUIRE(splits<std::span<const std::uint8_t>>);  // a view: the caller owns the bytes
    STATIC_REQUIRE_FALSE(splits<std::vector<std::uint8_t>>);
    STATIC_REQUIRE_FALSE(splits<const std::vector<std::uint8_t>>);
}

TEST_CASE("SA add without ESP: EPROTONOSUPPORT with its ext-ack text", "[parse][errors]") {
    const auto bytes = load_hex("replies/sa_add_noesp_cbc-0.hex");
    const auto messages = messages_of(bytes);
    REQUIRE(messages.size() == 1);
    auto ack = parse_ack(messages[0]);
    REQUIRE(ack.has_value());
    CHECK(ack->errnum == EPROTONOSUPPORT);
    CHECK(ack->ext_ack == "Requested type not found");
    const auto error = kernel_error(Operation::add_sa, "esp spi 0x3000", ack->errnum, ack->ext_ack);
    CHECK(error.kind == ErrorKind::no_esp);
    CHECK_THAT(error.message(), Catch::Contains("this kernel has no ESP support") &&
                                    Catch::Contains("Requested type not found"));
}

TEST_CASE("SA add with an AEAD the kernel lacks: ENOSYS, no_algorithm", "[parse][errors]") {
    const auto bytes = load_hex("replies/sa_add_noesp-0.hex");
    auto ack = parse_ack(messages_of(bytes).at(0));
    REQUIRE(ack.has_value());
    CHECK(ack->errnum == ENOSYS);
    CHECK(ack->ext_ack == "Requested AEAD algorithm not found");
    CHECK(kernel_error(Operation::add_sa, "", ack->errnum, ack->ext_ack).kind ==
          ErrorKind::no_algorithm);
    // The same errno on a policy is just a kernel error.
    CHECK(kernel_error(Operation::add_policy, "", ENOSYS, "").kind == ErrorKind::kernel);
}

TEST_CASE("policy add that exists: EEXIST without ext-ack", "[parse][errors]") {
    const auto bytes = load_hex("replies/policy_exists-0.hex");
    auto ack = parse_ack(messages_of(bytes).at(0));
    REQUIRE(ack.has_value());
    CHECK(ack->errnum == EEXIST);
    CHECK(ack->ext_ack.empty());
}

TEST_CASE("policy get reply: selector, priority, template, mark", "[parse][policy]") {
    const auto bytes = load_hex("replies/policy_get-0.hex");
    const auto messages = messages_of(bytes);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].type == XFRM_MSG_NEWPOLICY);
    auto p = parse_policy(messages[0].payload);
    REQUIRE(p.has_value());
    CHECK(p->policy.selector == Selector::between(addr("10.1.0.0"), 24, addr("10.2.0.0"), 24));
    CHECK(p->policy.dir == Direction::out);
    CHECK(p->policy.priority == 100);
    CHECK(p->policy.index != 0);
    REQUIRE(p->policy.mark.has_value());
    CHECK(*p->policy.mark == Mark{0x100, 0xff00});
    REQUIRE(p->policy.templates.size() == 1);
    const auto& t = p->policy.templates[0];
    CHECK(t.src == addr("192.0.2.1"));
    CHECK(t.dst == addr("192.0.2.2"));
    CHECK(t.reqid == 7);
    CHECK(t.mode == Mode::tunnel);
    CHECK(t.level == Level::required);
    CHECK(p->counters.add_time > 0);
}

TEST_CASE("policy dump: multipart messages then NLMSG_DONE", "[parse][policy]") {
    const auto bytes = load_hex("replies/policy_dump-0.hex");
    const auto messages = messages_of(bytes);
    REQUIRE(messages.size() >= 2);
    for (const auto& m : messages) {
        CHECK((m.flags & NLM_F_MULTI) != 0);
        CHECK(m.type == XFRM_MSG_NEWPOLICY);
        CHECK(parse_policy(m.payload).has_value());
    }
    const auto done_bytes = load_hex("replies/policy_dump-1.hex");
    const auto done = messages_of(done_bytes);
    REQUIRE(done.size() == 1);
    CHECK(done[0].type == NLMSG_DONE);
}

TEST_CASE("ALLOCSPI reply: a larval NEWSA with an SPI from the range", "[parse][sa]") {
    const auto bytes = load_hex("replies/allocspi-0.hex");
    const auto messages = messages_of(bytes);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].type == XFRM_MSG_NEWSA);
    auto sa = parse_sa(messages[0].payload);
    REQUIRE(sa.has_value());
    CHECK(sa->sa.spi >= 0x100);
    CHECK(sa->sa.spi <= 0x1ff);
    CHECK(sa->sa.reqid == 42);
    CHECK(sa->sa.src == addr("192.0.2.1"));
    CHECK(sa->sa.dst == addr("192.0.2.2"));
    CHECK(std::get<Aead>(sa->sa.transform).name.empty());  // larval: no keys yet
}

TEST_CASE("ACQUIRE: the packet's /32 selector and the policy it hit", "[parse][events]") {
    const auto bytes = load_hex("replies/acquire-0.hex");
    const auto messages = messages_of(bytes);
    REQUIRE(messages.size() == 1);
    auto event = parse_event(messages[0]);
    REQUIRE(event.has_value());
    const auto& a = std::get<AcquireEvent>(*event);
    CHECK(a.packet.src == addr("10.8.0.1"));
    CHECK(a.packet.dst == addr("10.9.0.7"));
    CHECK(a.packet.src_prefix == 32);
    CHECK(a.packet.dst_prefix == 32);
    CHECK(a.packet.proto == 17);
    CHECK(a.packet.dport == 9);
    CHECK(a.policy.policy.selector.dst == addr("10.9.0.0"));
    CHECK(a.policy.policy.selector.dst_prefix == 24);
    REQUIRE(a.policy.policy.templates.size() == 1);
    CHECK(a.policy.policy.templates[0].reqid == 99);
    CHECK(a.src == addr("10.8.0.1"));
    CHECK(a.dst == addr("10.9.0.1"));
    CHECK(a.seq != 0);
    CHECK_THAT(to_string(*event), Catch::StartsWith("ACQUIRE"));
}

TEST_CASE("POLEXPIRE from a policy with a 1 s hard lifetime", "[parse][events]") {
    const auto bytes = load_hex("replies/polexpire-0.hex");
    auto event = parse_event(messages_of(bytes).at(0));
    REQUIRE(event.has_value());
    const auto& e = std::get<PolicyExpireEvent>(*event);
    CHECK(e.hard);
    CHECK(e.policy.policy.lifetime.hard_add_seconds == 1);
    CHECK(e.policy.policy.templates.at(0).reqid == 98);
}

TEST_CASE("EXPIRE (hard) of a larval ALLOCSPI SA", "[parse][events]") {
    const auto bytes = load_hex("replies/expire-0.hex");
    auto event = parse_event(messages_of(bytes).at(0));
    REQUIRE(event.has_value());
    const auto& e = std::get<ExpireEvent>(*event);
    CHECK(e.hard);
    CHECK(e.sa.sa.reqid == 43);
    CHECK(e.sa.sa.spi >= 0x200);
    CHECK(e.sa.sa.spi <= 0x2ff);
}

TEST_CASE("MAPPING: new address and port of a NAT-T peer", "[parse][events]") {
    // Built by hand: the host kernel has no ESP, so no UDP-encapsulated SA can see a mapping.
    xfrm_user_mapping m;
    std::memset(&m, 0, sizeof m);
    m.id.family = AF_INET;
    m.id.proto = 50;
    m.id.spi = htonl(0xc0ffee);
    std::memcpy(&m.id.daddr, addr("192.0.2.1").bytes.data(), 4);
    std::memcpy(&m.old_saddr, addr("198.51.100.7").bytes.data(), 4);
    std::memcpy(&m.new_saddr, addr("198.51.100.8").bytes.data(), 4);
    m.old_sport = htons(4500);
    m.new_sport = htons(31337);
    m.reqid = 5;
    std::vector<std::uint8_t> payload(sizeof m);
    std::memcpy(payload.data(), &m, sizeof m);
    auto event = parse_event(NetlinkMessage{XFRM_MSG_MAPPING, 0, 0, 0, payload});
    REQUIRE(event.has_value());
    const auto& e = std::get<MappingEvent>(*event);
    CHECK(e.spi == 0xc0ffee);
    CHECK(e.new_src == addr("198.51.100.8"));
    CHECK(e.new_sport == 31337);
    CHECK(e.old_sport == 4500);
    // One byte short is refused.
    payload.pop_back();
    CHECK_FALSE(parse_event(NetlinkMessage{XFRM_MSG_MAPPING, 0, 0, 0, payload}).has_value());
}

TEST_CASE("malformed input is refused, never read out of bounds", "[parse][robustness]") {
    auto bytes = load_hex("replies/policy_get-0.hex");
    SECTION("a header claiming more than the buffer") {
        bytes[0] = 0xff;
        bytes[1] = 0x0f;
        CHECK_FALSE(split_messages(bytes).has_value());
    }
    SECTION("a truncated buffer") {
        bytes.resize(10);
        CHECK_FALSE(split_messages(bytes).has_value());
    }
    SECTION("an attribute longer than the message") {
        auto messages = messages_of(bytes);
        std::vector<std::uint8_t> payload(messages[0].payload.begin(), messages[0].payload.end());
        payload[sizeof(xfrm_userpolicy_info)] = 0xff;  // first attribute's length
        CHECK_FALSE(parse_policy(payload).has_value());
    }
    SECTION("a template array that is not whole") {
        auto messages = messages_of(bytes);
        std::vector<std::uint8_t> payload(messages[0].payload.begin(), messages[0].payload.end());
        payload[sizeof(xfrm_userpolicy_info)] -= 4;  // XFRMA_TMPL is the first attribute
        CHECK_FALSE(parse_policy(payload).has_value());
    }
}

TEST_CASE("formatting an SA never prints its key", "[parse][secrets]") {
    SaInfo info;
    info.sa.transform = *aes_gcm(std::vector<std::uint8_t>(20, 0xab));
    const auto text = to_string(info);
    CHECK_THAT(text, Catch::Contains("<redacted>"));
    CHECK_THAT(text, !Catch::Contains("abab"));
    CHECK_THAT(text, !Catch::Contains("171"));
}
