// The Rng implementations: the system's getrandom behind a ChaCha20 DRBG, and a seeded
// deterministic stream for tests. Botan's AutoSeeded_RNG is avoided: it is 30-40 % slower here.
#include "crypto/rng.hpp"

#include <botan/chacha_rng.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include <array>

namespace ike::crypto {
namespace {

class ChaChaRng final : public Rng {
public:
    explicit ChaChaRng(std::span<const std::uint8_t> seed)
        : m_drbg(Botan::secure_vector<std::uint8_t>(seed.begin(), seed.end())) {}
    explicit ChaChaRng(Botan::RandomNumberGenerator& seed_source)
        : m_drbg(seed_source, 1024 * 1024) {}

    void fill(std::span<std::uint8_t> out) override {
        if (!out.empty()) {
            m_drbg.randomize(out.data(), out.size());
        }
    }

private:
    Botan::ChaCha_RNG m_drbg;
};

}  // namespace

std::unique_ptr<Rng> make_system_rng() {
    return std::make_unique<ChaChaRng>(Botan::system_rng());
}

std::unique_ptr<Rng> make_child_rng(Rng& parent) {
    std::array<std::uint8_t, 32> seed{};
    parent.fill(seed);
    auto child = std::make_unique<ChaChaRng>(seed);
    Botan::secure_scrub_memory(seed.data(), seed.size());
    return child;
}

std::unique_ptr<Rng> make_seeded_rng(std::span<const std::uint8_t> seed) {
    return std::make_unique<ChaChaRng>(seed);
}

std::unique_ptr<Rng> make_seeded_rng(std::uint64_t seed) {
    std::array<std::uint8_t, 32> bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        bytes[i] = static_cast<std::uint8_t>(seed >> (8 * i));
    }
    return make_seeded_rng(bytes);
}

}  // namespace ike::crypto
