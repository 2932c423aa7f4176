// A bounds-checked big-endian reader over a byte span. A short read never touches memory
// past the end: it returns zeros and makes the reader fail (sticky), so a decoder can read
// a fixed-size structure and check failed() once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ike::wire {

class Reader {
public:
    // `base` is the absolute offset of data[0] in the datagram, for error reports.
    explicit Reader(std::span<const std::uint8_t> data, std::size_t base = 0)
        : m_data(data), m_base(base) {}

    std::size_t remaining() const { return m_failed ? 0 : m_data.size() - m_pos; }
    bool empty() const { return remaining() == 0; }
    bool failed() const { return m_failed; }
    // Absolute offset of the next byte to read.
    std::size_t offset() const { return m_base + m_pos; }

    bool has(std::size_t n) const { return !m_failed && m_data.size() - m_pos >= n; }

    std::uint8_t u8() {
        if (!take(1)) return 0;
        return m_data[m_pos - 1];
    }
    std::uint16_t u16() {
        if (!take(2)) return 0;
        return static_cast<std::uint16_t>((m_data[m_pos - 2] << 8) | m_data[m_pos - 1]);
    }
    std::uint32_t u32() {
        const std::uint32_t hi = u16();
        const std::uint32_t lo = u16();
        return (hi << 16) | lo;
    }
    std::uint64_t u64() {
        const std::uint64_t hi = u32();
        const std::uint64_t lo = u32();
        return (hi << 32) | lo;
    }
    void skip(std::size_t n) { (void)take(n); }

    // A view of the next n bytes (empty and failed if fewer remain).
    std::span<const std::uint8_t> view(std::size_t n) {
        if (!take(n)) return {};
        return m_data.subspan(m_pos - n, n);
    }
    std::vector<std::uint8_t> bytes(std::size_t n) {
        const auto v = view(n);
        return {v.begin(), v.end()};
    }
    std::vector<std::uint8_t> rest() { return bytes(remaining()); }

    // A reader over the next n bytes, advancing this one past them.
    Reader sub(std::size_t n) {
        const std::size_t at = offset();
        const auto v = view(n);
        Reader r(v, at);
        if (m_failed) r.m_failed = true;
        return r;
    }

private:
    bool take(std::size_t n) {
        if (!has(n)) {
            m_failed = true;
            return false;
        }
        m_pos += n;
        return true;
    }

    std::span<const std::uint8_t> m_data;
    std::size_t m_base;
    std::size_t m_pos = 0;
    bool m_failed = false;
};

}  // namespace ike::wire
