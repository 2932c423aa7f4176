// Traffic selector narrowing (RFC 7296 §2.9): a responder answers with the part of what the
// initiator proposed that its policy allows; an initiator checks the answer is a subset.
#pragma once

#include <optional>

#include "ike/types.hpp"

namespace ike::policy {

// The overlap of two selectors (addresses, protocol and ports), or nullopt.
std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b);

// Every non-empty overlap of `offered` with `allowed`, without selectors covered by another.
// When the initiator put the triggering packet's selector first (a single selector inside a
// later one, §2.9), the result must cover that packet or it is empty (the child SA would not
// carry the packet); the selector covering it comes first.
TrafficSelectors narrow(const TrafficSelectors& offered, const TrafficSelectors& allowed);

// Whether every selector of `inner` lies inside some selector of `outer`.
bool covered(const TrafficSelectors& inner, const TrafficSelectors& outer);

}  // namespace ike::policy
