// Building and opening messages of an IKE SA: plain IKE_SA_INIT messages, and every later
// message inside the SK payload (RFC 7296 §3.14) through lib/crypto.
#pragma once

#include <optional>
#include <span>

#include "ike/expected.hpp"
#include "sa/ike_sa.hpp"
#include "wire/message.hpp"

namespace ike::sa {

// An IKE SA's keys and the SK payload protectors made from them for one role.
struct SaKeys {
    crypto::IkeSaKeys keys;
    crypto::SkProtector protector;
    crypto::SkUnprotector unprotector;
};

// Why an IKE SA got no keys: the step that failed and the crypto layer's reason.
struct KeyError {
    enum class Step : std::uint8_t {
        no_parent_keys,  // a rekey of an SA without keys (cannot happen once established)
        shared_secret,   // the peer's KE public value was refused (RFC 6989 checks, length)
        skeyseed,        // prf(Ni | Nr, g^ir) or the rekey's prf(SK_d, ...) failed
        sa_keys,         // prf+ or the SK payload ciphers for the suite
    } step;
    std::optional<crypto::CryptoError> crypto;
};
std::string to_string(const KeyError& e);

// {SK_d | SK_a* | SK_e* | SK_p*} from SKEYSEED (RFC 7296 §2.14; for a rekeyed IKE SA, SKEYSEED
// comes from the old SK_d, §2.18) with the suite, the exchange's nonces and the SA's SPIs.
Expected<SaKeys, KeyError> derive_sa_keys(crypto::Rng& rng, const crypto::IkeSuite& suite, const crypto::Skeyseed& skeyseed,
                                     const Bytes& ni, const Bytes& nr, std::uint64_t spi_i, std::uint64_t spi_r,
                                     crypto::Role role);
void install_keys(IkeSa& sa, SaKeys k);

// The header of a message of this SA in our role.
wire::Header header_for(const IkeSa& sa, wire::ExchangeType exchange, bool response, std::uint32_t message_id);

// Why seal() produced no message: no outbound keys yet, or the crypto layer's reason (e.g.
// IvSpaceExhausted: the SA must be rekeyed).
struct SealError {
    std::optional<crypto::CryptoError> crypto;  // empty: no keys
};

// Encodes and encrypts `inner` under the SA's outbound keys.
Expected<Bytes, SealError> seal(IkeSa& sa, const wire::Header& header, std::span<const wire::Payload> inner);

// Why open() gave no payloads. `malformed` empty: the message is not authentic (no keys, no SK
// payload, or the ICV did not verify): drop it silently. Set: the ICV verified but the content
// does not decode; a request is answered (RFC 7296 §2.5, §2.21.2, §2.21.3), never dropped.
struct OpenError {
    std::optional<wire::DecodeError> malformed;
};

// Checks the ICV and decrypts the SK payload of `message` (decoded from `datagram`), then
// decodes the inner chain. No state changes either way.
Expected<std::vector<wire::Payload>, OpenError> open(IkeSa& sa, std::span<const std::uint8_t> datagram,
                                                     const wire::Message& message);

}  // namespace ike::sa
