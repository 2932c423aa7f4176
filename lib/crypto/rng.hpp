// The injected RNG is part of libike's public API: ike/rng.hpp.
#pragma once

#include "ike/rng.hpp"
