// The injected source of randomness for libike. lib/ never opens /dev/urandom itself: the caller
// passes an Rng (tests a seeded one, production the system's). No Botan type appears here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace ike::crypto {

class Rng {
public:
    virtual ~Rng() = default;
    virtual void fill(std::span<std::uint8_t> out) = 0;
};

// The operating system's generator (getrandom) behind a ChaCha20 DRBG seeded from it.
std::unique_ptr<Rng> make_system_rng();

// A ChaCha20 DRBG keyed with 32 octets drawn from `parent`: an independent stream for one
// component (a KE's blinding, an SA's CBC IVs) that stays reproducible when the parent is seeded.
std::unique_ptr<Rng> make_child_rng(Rng& parent);

// A deterministic generator for tests, simulations and fuzzers: the same seed gives the same
// stream, on every machine. Never use it for real keys.
std::unique_ptr<Rng> make_seeded_rng(std::span<const std::uint8_t> seed);
std::unique_ptr<Rng> make_seeded_rng(std::uint64_t seed);

}  // namespace ike::crypto
