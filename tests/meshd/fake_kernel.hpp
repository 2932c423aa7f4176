// A kernel for Node tests: applies Node's KernelCommands to a table of SAs and policies with the
// kernel's rules (an add of an existing SA or policy fails, an update or delete of a missing one
// fails, ALLOCSPI leaves a larval SA, FlushOurs removes only what xfrm::Ownership calls ours),
// records every command, and can be told to behave like a kernel without ESP.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "node.hpp"

namespace meshd::test {

struct KernelSa {
    xfrm::Sa sa;
    xfrm::Counters counters;
    bool larval = false;
};

struct KernelFailure {
    std::string message;
    bool no_esp = false;
};

class FakeKernel : public SpiSource {
public:
    std::vector<KernelSa> sas;
    std::vector<xfrm::Policy> policies;
    std::vector<KernelCommand> commands;   // every command Node sent, in order
    std::vector<std::string> errors;        // every command that failed
    xfrm::Ownership ownership;
    std::uint32_t next_spi = 0xc0000000;
    bool no_esp = false;                    // SA add/update fails like a kernel without ESP
    std::function<void(const FakeKernel&)> after;  // called after every command (invariants)

    std::optional<std::uint32_t> alloc_spi(const xfrm::SpiRequest& request) override;
    // Applies one command; a failure is returned (and recorded). QuerySa answers through `usage`.
    std::optional<KernelFailure> apply(const KernelCommand& command, std::optional<xfrm::Counters>* usage);

    const KernelSa* find_sa(const xfrm::Address& dst, std::uint32_t spi) const;
    // Established (not larval) SAs from `src` to `dst`.
    std::vector<const KernelSa*> sas_between(const xfrm::Address& src, const xfrm::Address& dst) const;
    std::vector<const xfrm::Policy*> policies_of(xfrm::Direction dir) const;
    const xfrm::Policy* find_policy(const xfrm::Selector& s, xfrm::Direction dir) const;
    template <typename Op>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& c : commands) n += std::holds_alternative<Op>(c.op) ? 1 : 0;
        return n;
    }
};

}  // namespace meshd::test
