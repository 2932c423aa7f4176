// INTERNAL to lib/crypto (includes Botan): never include from a public header or outside
// lib/crypto. The Botan key behind a PrivateKey, and an adapter from the injected Rng to Botan.
#pragma once

#include "crypto/privkey.hpp"
#include "crypto/pubkey_impl.hpp"
#include "crypto/sign.hpp"

#include <botan/pk_keys.h>
#include <botan/rng.h>

namespace ike::crypto {

struct PrivateKey::Impl {
    std::unique_ptr<const Botan::Private_Key> key;
    KeyType type{};
    PublicKey public_key;
};

namespace detail {

// Lets Botan draw from the injected ike::crypto::Rng (no Botan RNG of its own in lib/).
class KeyRngAdapter final : public Botan::RandomNumberGenerator {
public:
    explicit KeyRngAdapter(Rng& rng) noexcept : m_rng(rng) {}
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

}  // namespace detail
}  // namespace ike::crypto

namespace Botan {
class PK_Signer;
}

namespace ike::crypto::detail {

// A Botan signer for the scheme (used for AUTH signatures and by the CA for certificates/CRLs).
std::unique_ptr<Botan::PK_Signer> make_botan_signer(const PrivateKey& key, SignatureScheme scheme,
                                                    Botan::RandomNumberGenerator& rng);

}  // namespace ike::crypto::detail
