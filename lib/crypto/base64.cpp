// Base64 on Botan 2, with the strictness Botan leaves to the caller: the text must be exactly the
// canonical encoding of what it decodes to.
#include "crypto/base64.hpp"

#include <botan/base64.h>

namespace ike::crypto {

std::string base64_encode(std::span<const std::uint8_t> data) {
    return Botan::base64_encode(data.data(), data.size());
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) {
        return std::nullopt;
    }
    try {
        auto out = Botan::unlock(Botan::base64_decode(text.data(), text.size(), false));
        if (base64_encode(out) != text) {
            return std::nullopt;  // non-canonical padding bits
        }
        return out;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace ike::crypto
