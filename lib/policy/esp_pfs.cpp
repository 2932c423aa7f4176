// KE transforms of ESP proposals: PFS for child SAs made or rekeyed by CREATE_CHILD_SA.
#include "policy/esp_pfs.hpp"

#include <algorithm>
#include <vector>

namespace ike::policy {
namespace {

constexpr std::uint16_t ke_none = 0;

std::vector<std::uint16_t> ke_ids(const wire::Proposal& p) {
    std::vector<std::uint16_t> out;
    for (const auto& t : p.transforms)
        if (t.type == wire::TransformType::ke) out.push_back(t.id);
    return out;
}

}  // namespace

void add_ke_transforms(wire::SecurityAssociation& sa, std::span<const crypto::KeId> groups) {
    for (auto& p : sa.proposals)
        for (const auto g : groups) p.transforms.push_back({wire::TransformType::ke, static_cast<std::uint16_t>(g), {}});
}

std::optional<PfsChoice> select_pfs(const wire::Proposal& offered, std::span<const crypto::KeId> preference) {
    const auto ids = ke_ids(offered);
    const auto lists = [&](std::uint16_t id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
    if (preference.empty()) {
        if (ids.empty() || lists(ke_none)) return PfsChoice{};
        return std::nullopt;
    }
    for (const auto g : preference)
        if (lists(static_cast<std::uint16_t>(g))) return PfsChoice{g};
    return std::nullopt;  // we want PFS: a proposal without one of our groups does not match
}

bool accept_pfs(const wire::Proposal& reply, std::optional<crypto::KeId> sent) {
    const auto ids = ke_ids(reply);
    if (ids.size() > 1) return false;
    const bool none = ids.empty() || ids.front() == ke_none;
    if (!sent) return none;
    return !none && ids.front() == static_cast<std::uint16_t>(*sent);
}

void add_ke_reply(wire::SecurityAssociation& reply, std::optional<crypto::KeId> group) {
    if (!group) return;
    for (auto& p : reply.proposals) p.transforms.push_back({wire::TransformType::ke, static_cast<std::uint16_t>(*group), {}});
}

}  // namespace ike::policy
