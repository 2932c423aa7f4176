// Public keys is part of libike's public API: ike/public_key.hpp.
#pragma once

#include "ike/public_key.hpp"
