// libike's result type: a value or a typed error (no exception crosses the API). The template
// lives in the header-only meshd_expected target (meshd/expected.hpp), which xfrm/ uses too.
#pragma once

#include <meshd/expected.hpp>

namespace ike {

using meshd::Expected;
using meshd::Unexpected;
using meshd::unexpected;

}  // namespace ike
