// Collisions around child SAs (RFC 7296 §2.8.1 simultaneous rekeys and the nonce rule, §2.25
// TEMPORARY_FAILURE and CHILD_SA_NOT_FOUND, §2.25.1 rekey versus delete): what each side keeps,
// which SA is redundant, and who deletes what. Both ends reach the same answer on their own.
#pragma once

#include "sa/context.hpp"
#include "sa/ike_sa.hpp"

namespace ike::sa {

// 2 to 5 s: how long to wait before retrying after TEMPORARY_FAILURE (§2.25).
Duration child_retry_delay(Context& ctx);

// §2.8.1: nonces compare as octet strings; the SA whose exchange holds the lowest of the four
// nonces is redundant.
bool nonce_less(const Bytes& a, const Bytes& b);
const Bytes& lower_nonce(const Bytes& a, const Bytes& b);

// We answered the peer's rekey of `old` with `made` (Ni, Nr of that exchange). If our own
// rekey of `old` is in flight, the collision is settled when its answer comes.
void peer_rekeyed(IkeSa& sa, ChildSaId old, ChildSaId made, const Bytes& ni, const Bytes& nr);
// Our rekey of `old` made `made` (already installed): keep one, delete the loser or the old SA.
void settle_rekey(Context& ctx, IkeSa& sa, ChildSaId old, ChildSaId made, const Bytes& ni, const Bytes& nr);
// Whether a child going now goes because of a rekey (ChildSaDown reason `rekeyed`): it was
// replaced, lost a collision, or is the peer's new SA of a collision still being settled here
// (the peer found it redundant before our own rekey's answer came).
bool gone_by_rekey(const IkeSa& sa, const ChildSa& c);
// TEMPORARY_FAILURE (§2.25): retry after a delay unless there is nothing left to do.
enum class LaterRetry {
    scheduled,  // the request goes again after a random delay
    moot,       // the SA to rekey was replaced (the peer's rekey won) or is gone: nothing failed
    exhausted,  // too many TEMPORARY_FAILUREs: give up
};
LaterRetry retry_later(Context& ctx, IkeSa& sa, ChildExchange& ex);
// CHILD_SA_NOT_FOUND (§2.25) in answer to our rekey (`refused` names it): the peer no longer has
// `old`; drop it and, unless a rekey already replaced it, report the failed rekey and ask for a
// new child SA from scratch.
void child_not_found(Context& ctx, IkeSa& sa, ChildSaId old, const std::string& refused);

}  // namespace ike::sa
