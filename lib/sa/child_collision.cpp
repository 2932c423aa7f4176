// Child SA collisions (RFC 7296 §2.8.1, §2.25, §2.25.1). The rules, as both ends apply them:
// - Both rekeyed the same SA at once: each answered the other's request as usual; once both
//   exchanges are done, the new SA whose exchange holds the lowest of the four nonces is
//   redundant and its creator deletes it; the creator of the survivor deletes the old SA.
// - A rekey request for an SA whose rekey already completed (old SA waiting for its DELETE) or
//   that we are deleting: TEMPORARY_FAILURE; the peer does not retry once the SA is replaced,
//   and reports no failure (nothing failed: the SA was rekeyed).
// - The peer deleted the SA we were rekeying: our new SA is deleted as soon as it is made.
// - CHILD_SA_NOT_FOUND: the SA is dropped silently and made again from scratch.
#include "sa/child_collision.hpp"

#include <algorithm>

#include "sa/tasks.hpp"

namespace ike::sa {
namespace {

void make_redundant(IkeSa& sa, ChildSa& c) {
    c.redundant = true;
    c.rekey_at = Time::max();
    sa.window.enqueue({RequestKind::delete_child, c.id});
}

}  // namespace

Duration child_retry_delay(Context& ctx) {  // §2.25: "MUST NOT immediately retry"
    std::array<std::uint8_t, 2> r{};
    ctx.rng.fill(r);
    return Duration{2000 + (r[0] << 8 | r[1]) % 3000};
}

bool nonce_less(const Bytes& a, const Bytes& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

const Bytes& lower_nonce(const Bytes& a, const Bytes& b) { return nonce_less(b, a) ? b : a; }

void peer_rekeyed(IkeSa& sa, ChildSaId old_id, ChildSaId made, const Bytes& ni, const Bytes& nr) {
    auto* old = sa.find_child(old_id);
    if (old == nullptr) return;
    old->replaced_by = made;
    old->rekey_at = Time::max();
    if (sa.child_exchange && sa.child_exchange->rekeys == old_id) old->peer_rekey_nonce = lower_nonce(ni, nr);
}

void settle_rekey(Context&, IkeSa& sa, ChildSaId old_id, ChildSaId made, const Bytes& ni, const Bytes& nr) {
    auto* fresh = sa.find_child(made);
    if (fresh == nullptr) return;
    auto* old = sa.find_child(old_id);
    if (old == nullptr) {  // §2.25.1: deleted by the peer while we rekeyed it
        make_redundant(sa, *fresh);
        return;
    }
    old->rekeying = false;
    old->rekey_at = Time::max();
    if (old->replaced_by && !old->peer_rekey_nonce.empty()) {  // §2.8.1: both rekeyed it
        const bool ours_lost = nonce_less(lower_nonce(ni, nr), old->peer_rekey_nonce);
        old->peer_rekey_nonce.clear();
        if (ours_lost) {
            make_redundant(sa, *fresh);  // the peer deletes the old SA
            return;
        }
        if (auto* theirs = sa.find_child(*old->replaced_by)) {  // the peer deletes its own
            theirs->redundant = true;
            theirs->rekey_at = Time::max();
        }
    }
    old->replaced_by = made;
    sa.window.enqueue({RequestKind::delete_child, old_id});  // §1.3.3: after the new one is up
}

bool gone_by_rekey(const IkeSa& sa, const ChildSa& c) {
    if (c.replaced_by || c.redundant) return true;
    return std::any_of(sa.children.begin(), sa.children.end(), [&](const ChildSa& o) {
        return o.replaced_by == c.id && !o.peer_rekey_nonce.empty();
    });
}

LaterRetry retry_later(Context& ctx, IkeSa& sa, ChildExchange& ex) {
    constexpr unsigned max_temporary_failures = 8;  // §2.25: "over a period of several minutes"
    if (ex.rekeys) {
        auto* old = sa.find_child(*ex.rekeys);
        if (old == nullptr || old->replaced_by || old->redundant) return LaterRetry::moot;
    }
    if (++sa.child_temporary_failures > max_temporary_failures) return LaterRetry::exhausted;
    if (ex.rekeys) {
        ctx.spis.release(ex.request.inbound_spi);
        sa.find_child(*ex.rekeys)->peer_rekey_nonce.clear();
        sa.deferred_children.push_back({RequestKind::rekey_child, *ex.rekeys, ctx.now + child_retry_delay(ctx)});
        return LaterRetry::scheduled;
    }
    sa.child_requests.push_back(ex.request);  // keeps its SPI and id
    sa.deferred_children.push_back({RequestKind::create_child, ex.request.id, ctx.now + child_retry_delay(ctx)});
    return LaterRetry::scheduled;
}

void child_not_found(Context& ctx, IkeSa& sa, ChildSaId old_id, const std::string& refused) {
    auto* old = sa.find_child(old_id);
    if (old == nullptr) return;  // gone already (its ChildSaDown said so)
    // Replaced by the peer's own rekey (our request was a retransmission that came too late):
    // nothing failed, nothing to report. Otherwise a RekeyFailed, not final when libike asks
    // for the new child SA itself (the embedder need not).
    if (!old->replaced_by && !old->redundant) {
        const auto spi = ctx.spis.allocate(sa.local, sa.remote);
        if (spi) {
            const ChildSaId id = ctx.new_child_id();
            sa.child_requests.push_back(ChildRequest{id, old->tag, *spi, old->local_ts, old->remote_ts, old->mode, false});
            sa.window.enqueue({RequestKind::create_child, id});
        }
        emit_rekey_failed(ctx, sa, old_id, RekeyFailure::refused,
                          refused + (spi ? " (the peer has no such child SA: a new one is requested)"
                                         : " (the peer has no such child SA, and no SPI is free for a new one)"),
                          spi.has_value());
    }
    remove_child(ctx, sa, old_id, DownReason::deleted_by_peer);
}

}  // namespace ike::sa
