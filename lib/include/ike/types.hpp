// Vocabulary of libike's public API: time, addresses, traffic selectors, identities, handles.
// Plain values, no Botan, no sockets: the caller converts to and from its own socket types.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike {

// Every entry point takes `now`. Wall-clock time: certificates are validated against it. The
// caller may feed a monotonic-derived wall clock (boot time + monotonic elapsed) so that a
// clock step does not fire every timer at once; tests feed a virtual clock.
using Time = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

struct IpAddress {
    enum class Family : std::uint8_t { v4, v6 };
    Family family = Family::v4;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 octets, network order

    static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
    static std::optional<IpAddress> from_bytes(std::span<const std::uint8_t> raw);  // 4 or 16 octets
    static std::optional<IpAddress> parse(std::string_view text);
    std::span<const std::uint8_t> octets() const;  // 4 or 16 octets
    std::string to_string() const;
    bool operator==(const IpAddress&) const = default;
    auto operator<=>(const IpAddress&) const = default;
};

struct SocketAddress {
    IpAddress ip;
    std::uint16_t port = 500;
    std::string to_string() const;
    bool operator==(const SocketAddress&) const = default;
    auto operator<=>(const SocketAddress&) const = default;
};

// RFC 7296 §3.13.1: an address range, an IP protocol (0 = any) and a port range.
struct TrafficSelector {
    IpAddress start;
    IpAddress end;
    std::uint8_t ip_protocol = 0;
    std::uint16_t start_port = 0;
    std::uint16_t end_port = 65535;

    static TrafficSelector subnet(const IpAddress& base, unsigned prefix_len);
    static TrafficSelector host(const IpAddress& a) { return {a, a}; }
    bool contains(const TrafficSelector& other) const;
    std::string to_string() const;
    bool operator==(const TrafficSelector&) const = default;
};
using TrafficSelectors = std::vector<TrafficSelector>;

// RFC 7296 §3.5 identification types.
enum class IdType : std::uint8_t {
    ipv4_addr = 1, fqdn = 2, rfc822_addr = 3, ipv6_addr = 5, der_asn1_dn = 9, der_asn1_gn = 10,
    key_id = 11, null = 13,
};

// An IKE identity (IDi/IDr): RFC 7296 §3.5 type and data.
struct Identity {
    IdType type = IdType::fqdn;
    std::vector<std::uint8_t> data;

    static Identity fqdn(std::string_view name);
    static Identity address(const IpAddress& a);  // ID_IPV4_ADDR or ID_IPV6_ADDR
    std::string to_string() const;
    bool operator==(const Identity&) const = default;
};

enum class Mode : std::uint8_t { tunnel, transport };

// Handles the library hands out; stable for the life of the SA, never reused by an Endpoint.
struct IkeSaId {
    std::uint64_t value = 0;
    bool operator==(const IkeSaId&) const = default;
    auto operator<=>(const IkeSaId&) const = default;
};
struct ChildSaId {
    std::uint64_t value = 0;
    bool operator==(const ChildSaId&) const = default;
    auto operator<=>(const ChildSaId&) const = default;
};

}  // namespace ike
