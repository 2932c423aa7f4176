// INTERNAL to lib/crypto (includes Botan): never include from a public header or outside
// lib/crypto. The Botan key behind a PrivateKey, and the signer factory shared with the CA.
#pragma once

#include "crypto/botan_rng.hpp"
#include "crypto/privkey.hpp"
#include "crypto/pubkey_impl.hpp"
#include "crypto/sign.hpp"

#include <botan/pk_keys.h>

namespace ike::crypto {

struct PrivateKey::Impl {
    std::unique_ptr<const Botan::Private_Key> key;
    KeyType type{};
    PublicKey public_key;
};

}  // namespace ike::crypto

namespace Botan {
class PK_Signer;
class AlgorithmIdentifier;
}

namespace ike::crypto::detail {

// A Botan signer for the scheme (used for AUTH signatures and by the CA for certificates/CRLs).
std::unique_ptr<Botan::PK_Signer> make_botan_signer(const PrivateKey& key, SignatureScheme scheme,
                                                    Botan::RandomNumberGenerator& rng);
// The scheme's AlgorithmIdentifier (auth_sig.hpp's canonical DER) as Botan's type, for
// certificates, CRLs and requests.
Botan::AlgorithmIdentifier botan_algorithm_identifier(SignatureScheme scheme);

}  // namespace ike::crypto::detail
