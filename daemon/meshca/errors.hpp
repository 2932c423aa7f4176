// meshca's two kinds of failure and their exit statuses: a usage error (2: the command line is
// wrong) and a refused operation (1: the input or the CA's state forbids it). Both are thrown
// before anything is written, and main() turns them into one line on stderr.
#pragma once

#include <stdexcept>
#include <string>

namespace meshca {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace meshca
