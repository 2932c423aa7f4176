// SA payload proposals (RFC 7296 §2.7, §3.3): what an initiator offers from the configured
// suites, what a responder picks by its own preference, and the check an initiator applies to
// the responder's choice.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "crypto/transforms.hpp"
#include "wire/payloads.hpp"

namespace ike::policy {

// IKE SA: one proposal per suite, numbered from 1. spi: empty in IKE_SA_INIT.
wire::SecurityAssociation offer_ike(std::span<const crypto::IkeSuite> suites);

struct IkeChoice {
    crypto::IkeSuite suite;
    wire::SecurityAssociation reply;  // the single chosen proposal, as the responder sends it
};
// The first of `preference` that some offered proposal contains, or nullopt (NO_PROPOSAL_CHOSEN).
std::optional<IkeChoice> select_ike(const wire::SecurityAssociation& offered,
                                    std::span<const crypto::IkeSuite> preference);
// An initiator's check of the responder's reply: one proposal, one transform of each type, and
// a suite we offered. nullopt when it is none of ours.
std::optional<crypto::IkeSuite> accept_ike(const wire::SecurityAssociation& reply,
                                           std::span<const crypto::IkeSuite> offered);

// ESP child SA: one proposal per suite carrying our inbound SPI; ESN offered as configured.
wire::SecurityAssociation offer_esp(std::span<const crypto::EspSuite> suites, std::uint32_t spi, bool esn);

struct EspChoice {
    crypto::EspSuite suite;
    bool esn = false;
    std::uint32_t peer_spi = 0;       // the SPI the peer chose for its inbound SA
    std::uint8_t proposal_number = 1;
};
std::optional<EspChoice> select_esp(const wire::SecurityAssociation& offered,
                                    std::span<const crypto::EspSuite> preference, bool esn);
wire::SecurityAssociation esp_reply(const EspChoice& choice, std::uint32_t our_spi);
std::optional<EspChoice> accept_esp(const wire::SecurityAssociation& reply,
                                    std::span<const crypto::EspSuite> offered, bool esn);

}  // namespace ike::policy
