// Named key and certificate errors is part of libike's public API: ike/cert_error.hpp.
#pragma once

#include "ike/cert_error.hpp"
