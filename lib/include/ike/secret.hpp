// Storage for key material: bytes that are wiped when freed and print as <redacted>.
// Botan-free so that lib/sa and the daemon can hold keys without including Botan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iosfwd>
#include <new>
#include <span>
#include <string_view>
#include <vector>

namespace ike::crypto {

// Zeroes memory in a way the optimiser may not remove.
void secure_wipe(void* p, std::size_t n) noexcept;

// Allocator that wipes every block before returning it.
template <typename T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept {
        secure_wipe(p, n * sizeof(T));
        ::operator delete(p);
    }
    template <typename U>
    bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
};

using SecureBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

// Constant-time equality of two byte strings (the lengths themselves are not secret).
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

// A named secret (SK_d, SK_ei, a child SA key, a shared secret...). Distinct Tag types keep one
// kind of key from being passed where another is expected. Formatting prints <redacted>.
template <typename Tag>
class Secret {
public:
    Secret() = default;
    explicit Secret(SecureBytes bytes) : m_bytes(std::move(bytes)) {}
    explicit Secret(std::span<const std::uint8_t> bytes) : m_bytes(bytes.begin(), bytes.end()) {}

    std::span<const std::uint8_t> bytes() const noexcept { return m_bytes; }
    std::size_t size() const noexcept { return m_bytes.size(); }
    bool empty() const noexcept { return m_bytes.empty(); }
    static constexpr std::string_view redacted() noexcept { return "<redacted>"; }

    friend bool operator==(const Secret& a, const Secret& b) noexcept {
        return constant_time_equal(a.m_bytes, b.m_bytes);
    }

private:
    SecureBytes m_bytes;
};

// Streaming a secret prints <redacted>, never the key (logs, test failure messages).
template <typename CharT, typename Traits, typename Tag>
std::basic_ostream<CharT, Traits>& operator<<(std::basic_ostream<CharT, Traits>& os, const Secret<Tag>&) {
    return os << Secret<Tag>::redacted().data();
}

}  // namespace ike::crypto
