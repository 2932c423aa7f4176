// Private keys is part of libike's public API: ike/private_key.hpp.
#pragma once

#include "ike/private_key.hpp"
