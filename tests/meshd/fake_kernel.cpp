// The fake kernel's rules (fake_kernel.hpp), after net/xfrm/xfrm_state.c and xfrm_policy.c.
#include "fake_kernel.hpp"

#include <algorithm>

namespace meshd::test {
namespace {

bool same_selector(const xfrm::Policy& p, const xfrm::Selector& s, xfrm::Direction dir) {
    return p.dir == dir && p.selector == s;
}

}  // namespace

std::optional<std::uint32_t> FakeKernel::alloc_spi(const xfrm::SpiRequest& request) {
    KernelSa larval;
    larval.sa.src = request.src;
    larval.sa.dst = request.dst;
    larval.sa.spi = next_spi++;
    larval.sa.reqid = request.reqid;
    larval.larval = true;
    sas.push_back(larval);
    return larval.sa.spi;
}

const KernelSa* FakeKernel::find_sa(const xfrm::Address& dst, std::uint32_t spi) const {
    for (const auto& s : sas)
        if (s.sa.dst == dst && s.sa.spi == spi) return &s;
    return nullptr;
}

std::vector<const KernelSa*> FakeKernel::sas_between(const xfrm::Address& src, const xfrm::Address& dst) const {
    std::vector<const KernelSa*> out;
    for (const auto& s : sas)
        if (!s.larval && s.sa.src == src && s.sa.dst == dst) out.push_back(&s);
    return out;
}

std::vector<const xfrm::Policy*> FakeKernel::policies_of(xfrm::Direction dir) const {
    std::vector<const xfrm::Policy*> out;
    for (const auto& p : policies)
        if (p.dir == dir) out.push_back(&p);
    return out;
}

const xfrm::Policy* FakeKernel::find_policy(const xfrm::Selector& s, xfrm::Direction dir) const {
    for (const auto& p : policies)
        if (same_selector(p, s, dir)) return &p;
    return nullptr;
}

std::optional<KernelFailure> FakeKernel::apply(const KernelCommand& command, std::optional<xfrm::Counters>* usage) {
    commands.push_back(command);
    std::optional<KernelFailure> failure;
    const auto fail = [&](std::string m, bool esp = false) {
        errors.push_back(m);
        failure = KernelFailure{std::move(m), esp};
    };
    const auto sa_at = [&](const xfrm::Address& dst, std::uint32_t spi) {
        return std::find_if(sas.begin(), sas.end(), [&](const KernelSa& s) { return s.sa.dst == dst && s.sa.spi == spi; });
    };
    std::visit(
        [&](const auto& op) {
            using T = std::decay_t<decltype(op)>;
            if constexpr (std::is_same_v<T, AddSa>) {
                if (no_esp) return fail("add SA: Protocol not supported", true);
                if (sa_at(op.sa.dst, op.sa.spi) != sas.end()) return fail("add SA: File exists");
                sas.push_back({op.sa, {}, false});
            } else if constexpr (std::is_same_v<T, UpdateSa>) {
                if (no_esp) return fail("update SA: Protocol not supported", true);
                const auto it = sa_at(op.sa.dst, op.sa.spi);
                if (it == sas.end()) return fail("update SA: No such process");
                const auto counters = it->larval ? xfrm::Counters{} : it->counters;
                *it = {op.sa, counters, false};
            } else if constexpr (std::is_same_v<T, DeleteSa>) {
                const auto it = sa_at(op.id.dst, op.id.spi);
                if (it == sas.end()) return fail("delete SA: No such process");
                sas.erase(it);
            } else if constexpr (std::is_same_v<T, AddPolicy>) {
                if (find_policy(op.policy.selector, op.policy.dir)) return fail("add policy: File exists");
                policies.push_back(op.policy);
            } else if constexpr (std::is_same_v<T, UpdatePolicy>) {
                const auto it = std::find_if(policies.begin(), policies.end(), [&](const xfrm::Policy& p) {
                    return same_selector(p, op.policy.selector, op.policy.dir);
                });
                if (it == policies.end())
                    policies.push_back(op.policy);
                else
                    *it = op.policy;
            } else if constexpr (std::is_same_v<T, DeletePolicy>) {
                const auto it = std::find_if(policies.begin(), policies.end(), [&](const xfrm::Policy& p) {
                    return same_selector(p, op.id.selector, op.id.dir);
                });
                if (it == policies.end()) return fail("delete policy: No such file or directory");
                policies.erase(it);
            } else if constexpr (std::is_same_v<T, FlushOurs>) {
                std::erase_if(sas, [&](const KernelSa& s) { return !s.larval && ownership.owns(s.sa); });
                std::erase_if(policies, [&](const xfrm::Policy& p) { return ownership.owns(p); });
            } else if constexpr (std::is_same_v<T, QuerySa>) {
                const auto it = sa_at(op.id.dst, op.id.spi);
                if (usage) *usage = it == sas.end() ? std::nullopt : std::optional<xfrm::Counters>(it->counters);
            }
        },
        command.op);
    if (after) after(*this);
    return failure;
}

}  // namespace meshd::test
