// The values meshca's options take: durations ("30d"), key types, subnet and address lists, the
// --name-pattern of issue --count. Bad values are usage errors (exit 2).
#pragma once

#include "crypto/privkey.hpp"
#include "ike/types.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace meshca {

// "90s", "45m", "12h", "30d", "2w", "10y" (365 days); a positive whole number and one unit.
std::chrono::seconds parse_duration(std::string_view text, std::string_view option);

struct KeySpec {
    ike::crypto::KeyType type;
    std::size_t rsa_bits = 0;
};
// ed25519, ecdsa-p256, ecdsa-p384 (and rsa-2048/3072/4096 when allow_rsa: node keys, RSA-PSS).
KeySpec parse_key_type(std::string_view text, bool allow_rsa);
std::string_view key_type_name(ike::crypto::KeyType type);

// A comma list of CIDR networks (10.0.1.0/24, not 10.0.1.5/24), at least one, none overlapping.
ike::TrafficSelectors parse_subnet_list(std::string_view text, std::string_view option);
// Repeatable options whose values may also be comma lists: IP addresses, no port.
std::vector<ike::IpAddress> parse_address_list(const std::vector<std::string>& values, std::string_view option);
// A node name: a DNS name, lower-cased (Refused when it is not one: the name may come from a CSR).
std::string node_name(std::string_view text);
// printf-like pattern with exactly one %d (or %0Nd) and no other '%'.
std::string expand_pattern(std::string_view pattern, unsigned n);
void check_pattern(std::string_view pattern);

}  // namespace meshca
