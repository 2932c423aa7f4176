// fmt support for Secret<Tag>: formats as <redacted>. Separate from secret.hpp so that code that
// never logs keys does not need fmt.
#pragma once

#include "crypto/secret.hpp"

#include <fmt/format.h>

template <typename Tag>
struct fmt::formatter<ike::crypto::Secret<Tag>> : fmt::formatter<std::string_view> {
    template <typename FormatContext>
    auto format(const ike::crypto::Secret<Tag>&, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(ike::crypto::Secret<Tag>::redacted(), ctx);
    }
};
