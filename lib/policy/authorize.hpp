// Peer authorisation after the chain checked out (ike/verifier.hpp): the local blocklist (by
// SPKI hash, by issuer and serial, by name) and the binding of the IKE identity to a SAN.
// Traffic selectors are held to the certificate's RFC 3779 blocks by narrowing them to it.
#pragma once

#include "ike/config.hpp"
#include "ike/events.hpp"
#include "ike/verifier.hpp"

namespace ike::policy {

// RFC 7296 §3.5 / DESIGN.md: ID_FQDN must equal a SAN dNSName (case-insensitive), ID_IPV4_ADDR
// and ID_IPV6_ADDR a SAN iPAddress. Other identity types never match.
bool identity_matches(const PeerFacts& peer, const Identity& id);

Expected<void, VerifyFailure> check_blocklist(const PeerFacts& peer, const RevocationPolicy& policy);

// Blocklist, then identity. The first failure, with a reason for the AuthFailed event.
Expected<void, VerifyFailure> authorize(const PeerFacts& peer, const RevocationPolicy& policy,
                                        const Identity& claimed);

}  // namespace ike::policy
