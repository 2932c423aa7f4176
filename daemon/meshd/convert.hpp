// libike's values in xfrm/'s vocabulary: addresses, traffic selectors as prefix selectors, ESP
// keys as kernel transforms. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "crypto/esp_keys.hpp"
#include "ike/types.hpp"
#include "xfrm/types.hpp"

namespace meshd {

xfrm::Address to_xfrm(const ike::IpAddress& a);
ike::IpAddress to_ike(const xfrm::Address& a);

struct Prefix {
    xfrm::Address address;
    std::uint8_t length = 0;
    bool operator==(const Prefix&) const = default;
};
// The smallest set of prefixes covering exactly [start, end] (RFC 7296 selectors are ranges,
// the kernel's are prefixes).
std::vector<Prefix> range_to_prefixes(const ike::IpAddress& start, const ike::IpAddress& end);
// "10.0.1.0/24" when the selector's range is one prefix, else its own text.
std::string subnet_text(const ike::TrafficSelector& ts);
// The range a prefix covers, as a traffic selector (any protocol and port).
ike::TrafficSelector prefix_to_ts(const xfrm::Address& address, std::uint8_t length);

// Kernel selectors for traffic from `local` to `remote` (every pair of their prefixes; the
// protocol and a single port carry over, a port range other than "any" widens to any).
std::vector<xfrm::Selector> selectors(const ike::TrafficSelectors& local, const ike::TrafficSelectors& remote);
// The same selector seen from the other side (for in/fwd policies).
xfrm::Selector reversed(const xfrm::Selector& s);

// The kernel transform for one direction's keys (AEAD or encryption + truncated HMAC).
xfrm::Transform to_transform(const ike::crypto::EspKeys& keys);
// "AES-GCM-256", "ChaCha20-Poly1305", "AES-CBC-256/HMAC-SHA2-256-128" (for logs).
std::string esp_name(const ike::crypto::EspSuite& suite);

// A stable text key for a policy (selector + direction), to find and count shared policies.
std::string policy_key(const xfrm::Selector& s, xfrm::Direction dir);

}  // namespace meshd
