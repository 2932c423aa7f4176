// CREATE_CHILD_SA for child SAs (RFC 7296 §1.3.1 additional child SAs, §1.3.3 rekeying them).
// Until issue 7 lands: requests are refused with NO_ADDITIONAL_SAS and we send none.
#include "sa/convert.hpp"
#include "sa/tasks.hpp"

namespace ike::sa {

std::optional<Payloads> start_child_sa(Context&, IkeSa&, const QueuedRequest&) { return std::nullopt; }

void handle_child_sa_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads&) {
    respond(ctx, sa, rx, {notify(wire::NotifyType::no_additional_sas)});
}

void handle_child_sa_response(Context&, IkeSa&, const QueuedRequest&, const Payloads&) {}

}  // namespace ike::sa
