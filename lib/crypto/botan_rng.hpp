// INTERNAL to lib/crypto (includes Botan): never include from a public header or outside
// lib/crypto. Adapts the injected ike::crypto::Rng to Botan::RandomNumberGenerator.
#pragma once

#include "crypto/rng.hpp"

#include <botan/rng.h>

namespace ike::crypto::detail {

class BotanRngAdapter final : public Botan::RandomNumberGenerator {
public:
    explicit BotanRngAdapter(Rng& rng) noexcept : m_rng(rng) {}

    void randomize(std::uint8_t output[], std::size_t length) override {
        m_rng.fill(std::span<std::uint8_t>(output, length));
    }
    bool accepts_input() const override { return false; }
    void add_entropy(const std::uint8_t[], std::size_t) override {}
    std::string name() const override { return "ike::crypto::Rng"; }
    void clear() override {}
    bool is_seeded() const override { return true; }

private:
    Rng& m_rng;
};

}  // namespace ike::crypto::detail
