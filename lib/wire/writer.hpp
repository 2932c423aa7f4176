// A big-endian byte writer with back-patching of length fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ike::wire {

class Writer {
public:
    void u8(std::uint8_t v) { m_out.push_back(v); }
    void u16(std::uint16_t v) {
        m_out.push_back(static_cast<std::uint8_t>(v >> 8));
        m_out.push_back(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    void u64(std::uint64_t v) {
        u32(static_cast<std::uint32_t>(v >> 32));
        u32(static_cast<std::uint32_t>(v));
    }
    void zeros(std::size_t n) { m_out.insert(m_out.end(), n, 0); }
    void bytes(std::span<const std::uint8_t> b) { m_out.insert(m_out.end(), b.begin(), b.end()); }

    std::size_t size() const { return m_out.size(); }
    void patch_u16(std::size_t at, std::uint16_t v) {
        m_out[at] = static_cast<std::uint8_t>(v >> 8);
        m_out[at + 1] = static_cast<std::uint8_t>(v);
    }
    void patch_u32(std::size_t at, std::uint32_t v) {
        patch_u16(at, static_cast<std::uint16_t>(v >> 16));
        patch_u16(at + 2, static_cast<std::uint16_t>(v));
    }

    std::vector<std::uint8_t>& out() { return m_out; }
    std::vector<std::uint8_t> take() { return std::move(m_out); }

private:
    std::vector<std::uint8_t> m_out;
};

}  // namespace ike::wire
