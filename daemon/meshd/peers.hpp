// The remote nodes meshd builds tunnels to: the directory's nodes (lib/policy/directory.hpp) or
// static peers from the config, in one shape.
#pragma once

#include <string>
#include <vector>

#include "ike/types.hpp"

namespace meshd {

struct Peer {
    std::string name;                        // its identity (certificate SAN dNSName)
    std::vector<ike::IpAddress> endpoints;   // empty: none ("-"), reached back through its tunnels
    ike::TrafficSelectors subnets;
    bool operator==(const Peer&) const = default;
};

}  // namespace meshd
