// CREATE_CHILD_SA rekeying the IKE SA itself (RFC 7296 §1.3.2, §2.18).
// Until issue 7 lands: requests are refused with NO_ADDITIONAL_SAS and we send none.
#include "sa/convert.hpp"
#include "sa/tasks.hpp"

namespace ike::sa {

bool is_ike_rekey(std::span<const wire::Payload> inner) {
    for (const auto& p : inner)
        if (const auto* sa = std::get_if<wire::SecurityAssociation>(&p))
            return !sa->proposals.empty() && sa->proposals.front().protocol == wire::ProtocolId::ike;
    return false;
}

std::optional<Payloads> start_ike_rekey(Context&, IkeSa&, const QueuedRequest&) { return std::nullopt; }

void handle_ike_rekey_request(Context& ctx, IkeSa& sa, const Received& rx, const Payloads&) {
    respond(ctx, sa, rx, {notify(wire::NotifyType::no_additional_sas)});
}

void handle_ike_rekey_response(Context&, IkeSa&, const QueuedRequest&, const Payloads&) {}

}  // namespace ike::sa
