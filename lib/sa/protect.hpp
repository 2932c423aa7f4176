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

// {SK_d | SK_a* | SK_e* | SK_p*} from SKEYSEED (RFC 7296 §2.14; for a rekeyed IKE SA, SKEYSEED
// comes from the old SK_d, §2.18) with the suite, the exchange's nonces and the SA's SPIs.
std::optional<SaKeys> derive_sa_keys(crypto::Rng& rng, const crypto::IkeSuite& suite, const crypto::Skeyseed& skeyseed,
                                     const Bytes& ni, const Bytes& nr, std::uint64_t spi_i, std::uint64_t spi_r,
                                     crypto::Role role);
void install_keys(IkeSa& sa, SaKeys k);

// The header of a message of this SA in our role.
wire::Header header_for(const IkeSa& sa, wire::ExchangeType exchange, bool response, std::uint32_t message_id);

// Encodes and encrypts `inner` under the SA's outbound keys; nullopt if the crypto layer
// refuses (e.g. the IV space is exhausted).
std::optional<Bytes> seal(IkeSa& sa, const wire::Header& header, std::span<const wire::Payload> inner);

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
