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

// A request whose reply is exactly one object of `type`.
template <typename Parse>
auto transact_one(Socket& socket, Message request, Operation op, const std::string& object,
                  std::uint16_t type, Parse parse)
    -> Result<typename decltype(parse(std::span<const std::uint8_t>{}))::value_type> {
    auto replies = socket.transact(request, op, object);
    if (!replies) {
        return meshd::unexpected(replies.error());
    }
    if (replies->size() != 1 || replies->front().type != type) {
        return meshd::unexpected(bad_reply(op, object, "expected exactly one reply object"));
    }
    auto parsed = parse(replies->front().payload);
    if (!parsed) {
        return meshd::unexpected(bad_reply(op, object, parsed.error().what));
    }
    return std::move(*parsed);
}

// A dump: every reply of `type`, parsed.
template <typename Parse>
auto transact_all(Socket& socket, Message request, Operation op, const std::string& object,
                  std::uint16_t type, Parse parse)
    -> Result<std::vector<typename decltype(parse(std::span<const std::uint8_t>{}))::value_type>> {
    auto replies = socket.transact(request, op, object);
    if (!replies) {
        return meshd::unexpected(replies.error());
    }
    std::vector<typename decltype(parse(std::span<const std::uint8_t>{}))::value_type> out;
    for (const auto& r : *replies) {
        if (r.type != type) {
            continue;
        }
        auto parsed = parse(r.payload);
        if (!parsed) {
            return meshd::unexpected(bad_reply(op, object, parsed.error().what));
        }
        out.push_back(std::move(*parsed));
    }
    return out;
}

}  // namespace

Result<Client> Client::open(Ownership ownership) {
    auto socket = Socket::open();
    if (!socket) {
        return meshd::unexpected(socket.error());
    }
    return Client(std::move(*socket), ownership);
}

Client::Client(Socket socket, Ownership ownership)
    : m_socket(std::move(socket)), m_ownership(ownership) {}

Result<void> Client::command(Message message, Operation op, const std::string& object) {
    auto replies = m_socket.transact(message, op, object);
    if (!replies) {
        return meshd::unexpected(replies.error());
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
    return transact_one(m_socket, build_sa_get(id), Operation::get_sa, describe(id),
                        XFRM_MSG_NEWSA, parse_sa);
}

Result<std::vector<SaInfo>> Client::dump_sas() {
    return transact_all(m_socket, build_sa_dump(), Operation::dump_sa, "all SAs", XFRM_MSG_NEWSA,
                        parse_sa);
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
    return transact_one(m_socket, build_policy_get(id), Operation::get_policy, describe(id),
                        XFRM_MSG_NEWPOLICY, parse_policy);
}

Result<std::vector<PolicyInfo>> Client::dump_policies() {
    return transact_all(m_socket, build_policy_dump(), Operation::dump_policy, "all policies",
                        XFRM_MSG_NEWPOLICY, parse_policy);
}

Result<std::uint32_t> Client::alloc_spi(const SpiRequest& request) {
    const auto object = request.src.to_string() + "->" + request.dst.to_string() + " reqid " +
                        std::to_string(request.reqid);
    // The reply is the larval SA as a NEWSA message (then our ACK).
    auto sa = transact_one(m_socket, build_alloc_spi(request), Operation::alloc_spi, object,
                           XFRM_MSG_NEWSA, parse_sa);
    if (!sa) {
        return meshd::unexpected(sa.error());
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
        return meshd::unexpected(policies.error());
    }
    for (const auto& p : *policies) {
        if (!m_ownership.owns(p.policy)) {
            ++report.policies_kept;
            continue;
        }
        // By index: unambiguous even when selectors repeat across directions or marks.
        PolicyId id{p.policy.selector, p.policy.dir, p.policy.index, p.policy.mark};
        if (auto done = delete_policy(id); !done && done.error().errnum != ENOENT) {
            return meshd::unexpected(done.error());
        }
        ++report.policies_deleted;
    }
    auto sas = dump_sas();
    if (!sas) {
        return meshd::unexpected(sas.error());
    }
    for (const auto& sa : *sas) {
        if (!m_ownership.owns(sa.sa)) {
            ++report.sas_kept;
            continue;
        }
        if (auto done = delete_sa(SaId::of(sa.sa)); !done && done.error().errnum != ESRCH) {
            return meshd::unexpected(done.error());
        }
        ++report.sas_deleted;
    }
    return report;
}

}  // namespace meshd::xfrm
