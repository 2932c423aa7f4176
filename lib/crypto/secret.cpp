// Wiping and constant-time comparison for key material (see secret.hpp).
#include "crypto/secret.hpp"

#include <botan/mem_ops.h>

namespace ike::crypto {

void secure_wipe(void* p, std::size_t n) noexcept {
    if (p != nullptr && n != 0) {
        Botan::secure_scrub_memory(p, n);
    }
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    return a.empty() || Botan::constant_time_compare(a.data(), b.data(), a.size());
}

}  // namespace ike::crypto
