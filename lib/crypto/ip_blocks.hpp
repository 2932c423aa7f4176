// The RFC 3779 IP address delegation extension (id-pe-ipAddrBlocks, 1.3.6.1.5.5.7.1.7): the
// subnets a mesh node's certificate allows it to claim. Parsed and written here (Botan 2 lacks
// it); the value is kept merged and sorted, so "is this range inside" is one lookup per range.
#pragma once

#include "crypto/cert_error.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ike::crypto {

inline constexpr std::string_view kIpAddrBlocksOid = "1.3.6.1.5.5.7.1.7";

enum class IpFamily : std::uint8_t { V4, V6 };  // AFI 1 and 2 (RFC 3779 §2.2.3.3)

// An inclusive range of addresses; IPv4 uses the first 4 bytes of each array, the rest is zero.
struct IpRange {
    IpFamily family = IpFamily::V4;
    std::array<std::uint8_t, 16> first{};
    std::array<std::uint8_t, 16> last{};

    // prefix_len bits of addr (4 or 16 bytes); InvalidArgument for a bad length.
    static CertResult<IpRange> prefix(std::span<const std::uint8_t> addr, unsigned prefix_len);
    static CertResult<IpRange> range(std::span<const std::uint8_t> first,
                                     std::span<const std::uint8_t> last);
    // "10.0.1.0/24", "2001:db8::/32", or a single address ("10.0.1.7", "::1").
    static CertResult<IpRange> parse(std::string_view text);
    std::string to_string() const;  // "a/len" when a prefix, "a-b" otherwise

    friend bool operator==(const IpRange&, const IpRange&) = default;
};

class IpAddrBlocks {
public:
    void add(const IpRange& range);  // merged with what is there
    void set_inherit(IpFamily family);  // "inherit" from the issuer (RFC 3779 §2.2.3.5)

    bool inherits(IpFamily family) const noexcept;
    bool empty() const noexcept;
    const std::vector<IpRange>& ranges(IpFamily family) const noexcept;

    // Whether every address of the range is inside the blocks (never true for an inherit family).
    bool contains(const IpRange& range) const noexcept;
    // Whether these blocks lie inside the issuer's (RFC 3779 §2.3); inherit is resolved to the
    // issuer's own value, which is trivially inside.
    bool within(const IpAddrBlocks& issuer) const noexcept;

    // The extnValue contents: IPAddrBlocks in DER, canonical per RFC 3779 §2.2.3.6-§2.2.3.9
    // (families by AFI, sorted and merged entries, prefixes where a range is one).
    std::vector<std::uint8_t> encode_der() const;
    static CertResult<IpAddrBlocks> decode_der(std::span<const std::uint8_t> der);

    friend bool operator==(const IpAddrBlocks&, const IpAddrBlocks&) = default;

private:
    std::vector<IpRange> m_v4;
    std::vector<IpRange> m_v6;
    bool m_v4_inherit = false;
    bool m_v6_inherit = false;
};

}  // namespace ike::crypto
