// Endpoint::sa_info's body: copies what the SA table holds into ike/sa_info.hpp's plain values.
#pragma once

#include <vector>

#include "ike/sa_info.hpp"
#include "sa/sa_table.hpp"

namespace ike::sa {

std::vector<IkeSaInfo> describe(SaTable& table);

}  // namespace ike::sa
