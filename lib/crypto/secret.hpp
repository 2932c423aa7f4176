// Key material storage is part of libike's public API: ike/secret.hpp.
#pragma once

#include "ike/secret.hpp"
