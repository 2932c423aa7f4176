// Liveness (RFC 7296 §1.4, §2.4): after a configurable silence an empty INFORMATIONAL request;
// when its retransmissions are exhausted the peer is dead (exchange.cpp closes the SA).
#include "sa/tasks.hpp"

namespace ike::sa {

std::optional<Time> liveness_deadline(const Context& ctx, const IkeSa& sa) {
    const auto after = ctx.config.timers.liveness_after;
    if (sa.state() != State::established || sa.window.busy() || after.count() <= 0) return std::nullopt;
    return sa.last_heard + after;
}

void check_liveness(Context& ctx, IkeSa& sa) {
    const auto due = liveness_deadline(ctx, sa);
    if (!due || ctx.now < *due) return;
    if (!sa.window.queued(RequestKind::liveness)) sa.window.enqueue({RequestKind::liveness, {}});
    pump_requests(ctx, sa);
}

}  // namespace ike::sa
