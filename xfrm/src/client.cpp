// Client: build -> transact -> parse, one method per operation, and the flush of our objects.
#include "xfrm/client.hpp"

#include <linux/xfrm.h>

#include <cerrno>

#include "xfrm/format.hpp"
#include "xfrm/parse.hpp"

namespace meshd::xfrm {

namespace {

XfrmError bad_reply(Operation op, const std::string& object, std::string what) {
    return XfrmError{ErrorKind::protocol, op, object, 0, std::move(what)};
}

}  // namespace

Result<Client> Client::open(Ownership ownership) {
    auto socket = Socket::open();
    if (!socket) {
        return ike::unexpected(socket.error());
    }
    return Client(std::move(*socket), ownership);
}

Client::Client(Socket socket, Ownership ownership)
    : m_socket(std::move(socket)), m_ownership(ownership) {}

Result<void> Client::command(Message message, Operation op, const std::string& object) {
    auto replies = m_socket.transact(message, op, object);
    if (!replies) {
        return ike::unexpected(replies.error());
    }
    return {};
}

Result<void> Client::add_sa(const Sa& sa) {
    return command(build_sa_add(sa), Operation::add_sa, describe(sa));
}

Result<void> Client::update_sa(const Sa& sa) {
    return command(build_sa_update(sa), Operation::update_sa, describe(sa));
}

Result<void> Client::delete_sa(const SaId& id) {
    return command(build_sa_delete(id), Operation::delete_sa, describe(id));
}

Result<SaInfo> Client::get_sa(const SaId& id) {
    const auto object = describe(id);
    auto request = build_sa_get(id);
    auto replies = m_socket.transact(request, Operation::get_sa, object);
    if (!replies) {
        return ike::unexpected(replies.error());
    }
    if (replies->size() != 1 || replies->front().type != XFRM_MSG_NEWSA) {
        return ike::unexpected(bad_reply(Operation::get_sa, object, "expected one NEWSA"));
    }
    auto sa = parse_sa(replies->front().payload);
    if (!sa) {
        return ike::unexpected(bad_reply(Operation::get_sa, object, sa.error().what));
    }
    return std::move(*sa);
}

Result<std::vector<SaInfo>> Client::dump_sas() {
    auto request = build_sa_dump();
    auto replies = m_socket.transact(request, Operation::dump_sa, "all SAs");
    if (!replies) {
        return ike::unexpected(replies.error());
    }
    std::vector<SaInfo> out;
    for (const auto& r : *replies) {
        if (r.type != XFRM_MSG_NEWSA) {
            continue;
        }
        auto sa = parse_sa(r.payload);
        if (!sa) {
            return ike::unexpected(bad_reply(Operation::dump_sa, "all SAs", sa.error().what));
        }
        out.push_back(std::move(*sa));
    }
    return out;
}

Result<void> Client::add_policy(const Policy& policy) {
    return command(build_policy_add(policy), Operation::add_policy, describe(policy));
}

Result<void> Client::update_policy(const Policy& policy) {
    return command(build_policy_update(policy), Operation::update_policy, describe(policy));
}

Result<void> Client::delete_policy(const PolicyId& id) {
    return command(build_policy_delete(id), Operation::delete_policy, describe(id));
}

Result<PolicyInfo> Client::get_policy(const PolicyId& id) {
    const auto object = describe(id);
    auto request = build_policy_get(id);
    auto replies = m_socket.transact(request, Operation::get_policy, object);
    if (!replies) {
        return ike::unexpected(replies.error());
    }
    if (replies->size() != 1 || replies->front().type != XFRM_MSG_NEWPOLICY) {
        return ike::unexpected(bad_reply(Operation::get_policy, object, "expected one NEWPOLICY"));
    }
    auto policy = parse_policy(replies->front().payload);
    if (!policy) {
        return ike::unexpected(bad_reply(Operation::get_policy, object, policy.error().what));
    }
    return std::move(*policy);
}

Result<std::vector<PolicyInfo>> Client::dump_policies() {
    auto request = build_policy_dump();
    auto replies = m_socket.transact(request, Operation::dump_policy, "all policies");
    if (!replies) {
        return ike::unexpected(replies.error());
    }
    std::vector<PolicyInfo> out;
    for (const auto& r : *replies) {
        if (r.type != XFRM_MSG_NEWPOLICY) {
            continue;
        }
        auto policy = parse_policy(r.payload);
        if (!policy) {
            return ike::unexpected(bad_reply(Operation::dump_policy, "all policies", policy.error().what));
        }
        out.push_back(std::move(*policy));
    }
    return out;
}

Result<std::uint32_t> Client::alloc_spi(const SpiRequest& request) {
    const auto object = request.src.to_string() + "->" + request.dst.to_string() + " reqid " +
                        std::to_string(request.reqid);
    auto message = build_alloc_spi(request);
    auto replies = m_socket.transact(message, Operation::alloc_spi, object);
    if (!replies) {
        return ike::unexpected(replies.error());
    }
    // The reply is the larval SA as a NEWSA message (then our ACK).
    if (replies->size() != 1 || replies->front().type != XFRM_MSG_NEWSA) {
        return ike::unexpected(bad_reply(Operation::alloc_spi, object, "expected one NEWSA"));
    }
    auto sa = parse_sa(replies->front().payload);
    if (!sa) {
        return ike::unexpected(bad_reply(Operation::alloc_spi, object, sa.error().what));
    }
    return sa->sa.spi;
}

Result<std::vector<SaInfo>> Client::dump_our_sas() {
    auto all = dump_sas();
    if (!all) {
        return all;
    }
    std::vector<SaInfo> ours;
    for (auto& sa : *all) {
        if (m_ownership.owns(sa.sa)) {
            ours.push_back(std::move(sa));
        }
    }
    return ours;
}

Result<std::vector<PolicyInfo>> Client::dump_our_policies() {
    auto all = dump_policies();
    if (!all) {
        return all;
    }
    std::vector<PolicyInfo> ours;
    for (auto& p : *all) {
        if (m_ownership.owns(p.policy)) {
            ours.push_back(std::move(p));
        }
    }
    return ours;
}

Result<FlushReport> Client::flush_ours() {
    FlushReport report;
    auto policies = dump_policies();
    if (!policies) {
        return ike::unexpected(policies.error());
    }
    for (const auto& p : *policies) {
        if (!m_ownership.owns(p.policy)) {
            ++report.policies_kept;
            continue;
        }
        // By index: unambiguous even when selectors repeat across directions or marks.
        PolicyId id{p.policy.selector, p.policy.dir, p.policy.index, p.policy.mark};
        if (auto done = delete_policy(id); !done && done.error().errnum != ENOENT) {
            return ike::unexpected(done.error());
        }
        ++report.policies_deleted;
    }
    auto sas = dump_sas();
    if (!sas) {
        return ike::unexpected(sas.error());
    }
    for (const auto& sa : *sas) {
        if (!m_ownership.owns(sa.sa)) {
            ++report.sas_kept;
            continue;
        }
        if (auto done = delete_sa(SaId::of(sa.sa)); !done && done.error().errnum != ESRCH) {
            return ike::unexpected(done.error());
        }
        ++report.sas_deleted;
    }
    return report;
}

}  // namespace meshd::xfrm
