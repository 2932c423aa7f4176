// Human-readable text for logs and the CLI. Keys are never printed: "<redacted>".
#pragma once

#include <string>

#include "xfrm/events.hpp"
#include "xfrm/types.hpp"

namespace meshd::xfrm {

std::string to_string(const Selector& selector);
std::string to_string(const Mark& mark);
std::string to_string(const Transform& transform);
std::string to_string(const Counters& counters);
std::string to_string(Direction dir);
std::string to_string(Mode mode);
// Short names used in error objects: "esp spi 0x00001000 192.0.2.1->192.0.2.2".
std::string describe(const Sa& sa);
std::string describe(const SaId& id);
std::string describe(const Policy& policy);
std::string describe(const PolicyId& id);
// Multi-line, iproute2-like.
std::string to_string(const SaInfo& sa);
std::string to_string(const PolicyInfo& policy);
std::string to_string(const Event& event);

}  // namespace meshd::xfrm
