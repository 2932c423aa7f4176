// SHA-1 and SHA-256 over concatenated parts, via Botan (which never throws for these names).
#include "crypto/hash.hpp"

#include <botan/hash.h>

#include <algorithm>

namespace ike::crypto {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> digest(const char* name, std::initializer_list<std::span<const std::uint8_t>> parts) {
    std::array<std::uint8_t, N> out{};
    try {
        auto h = Botan::HashFunction::create_or_throw(name);
        for (const auto& p : parts) h->update(p.data(), p.size());
        const auto d = h->final();
        std::copy_n(d.begin(), std::min(N, d.size()), out.begin());
    } catch (...) {
        // Unreachable with Botan's built-in hashes; an all-zero digest never matches a peer's.
    }
    return out;
}

}  // namespace

std::array<std::uint8_t, 20> sha1(std::initializer_list<std::span<const std::uint8_t>> parts) {
    return digest<20>("SHA-1", parts);
}

std::array<std::uint8_t, 32> sha256(std::initializer_list<std::span<const std::uint8_t>> parts) {
    return digest<32>("SHA-256", parts);
}

}  // namespace ike::crypto
