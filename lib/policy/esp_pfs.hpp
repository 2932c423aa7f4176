// The key exchange (PFS) part of ESP proposals in CREATE_CHILD_SA (RFC 7296 §1.3.1, §3.3.3):
// KE transforms added to an offer, chosen by the responder, checked by the initiator.
#pragma once

#include <optional>
#include <span>

#include "crypto/transforms.hpp"
#include "wire/payloads.hpp"

namespace ike::policy {

// Adds one KE transform per group to every proposal (nothing when `groups` is empty: no PFS).
void add_ke_transforms(wire::SecurityAssociation& sa, std::span<const crypto::KeId> groups);

// The responder's choice for the proposal it picked: the first of `preference` the proposal
// lists (PFS), no group (the proposal lists none, or NONE while we want none), or nullopt when
// they do not agree (NO_PROPOSAL_CHOSEN).
struct PfsChoice {
    std::optional<crypto::KeId> group;  // nullopt: no PFS
};
std::optional<PfsChoice> select_pfs(const wire::Proposal& offered, std::span<const crypto::KeId> preference);

// The initiator's check of the reply: the group it sent a KE for, or none when it sent none.
bool accept_pfs(const wire::Proposal& reply, std::optional<crypto::KeId> sent);

// The transform a reply carries for `group` (nothing without PFS).
void add_ke_reply(wire::SecurityAssociation& reply, std::optional<crypto::KeId> group);

}  // namespace ike::policy
