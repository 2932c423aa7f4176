// The read-only SA view (ike/sa_info.hpp): a copy, in IKE SA id order; closed SAs are left out.
#include "sa/sa_info.hpp"

#include <algorithm>

namespace ike {

namespace {
std::string name_or(std::string_view name) { return name.empty() ? std::string("?") : std::string(name); }
}  // namespace

std::string ike_suite_name(const crypto::IkeSuite& s) {
    const auto* e = crypto::find_encr(s.sk.encr, s.sk.key_bits);
    const auto* i = crypto::find_integ(s.sk.integ);
    const auto* p = crypto::find_prf(s.prf);
    const auto* k = crypto::find_ke(s.ke);
    std::string out = e ? name_or(e->name) : "?";
    if (e && !e->aead && i) out += "/" + name_or(i->name);
    out += ", " + (p ? name_or(p->name) : std::string("?"));
    out += ", " + (k ? name_or(k->name) : std::string("?"));
    return out;
}

std::string esp_suite_name(const crypto::EspSuite& s) {
    const auto* e = crypto::find_encr(s.encr, s.key_bits);
    const auto* i = crypto::find_integ(s.integ);
    std::string out = e ? name_or(e->name) : "?";
    if (e && !e->aead && i) out += "/" + name_or(i->name);
    return out;
}

namespace sa {

std::vector<IkeSaInfo> describe(SaTable& table) {
    std::vector<IkeSaInfo> out;
    auto ids = table.ids();
    std::sort(ids.begin(), ids.end(), [](const IkeSaId& a, const IkeSaId& b) { return a.value < b.value; });
    for (const auto id : ids) {
        const IkeSa* sa = table.find(id);
        if (sa == nullptr || sa->state() == State::closed) continue;
        IkeSaInfo i;
        i.id = sa->id;
        i.initiator = sa->initiator();
        i.state = std::string(to_string(sa->state()));
        i.spi_i = sa->spi_i;
        i.spi_r = sa->spi_r;
        i.local = sa->local;
        i.remote = sa->remote;
        i.peer_id = sa->peer_id ? sa->peer_id : sa->expected_peer_id;
        i.suite = sa->suite;
        i.nat_local = sa->nat.local_behind_nat;
        i.nat_peer = sa->nat.peer_behind_nat;
        i.rekey_at = sa->rekey_at;
        i.last_heard = sa->last_heard;
        for (const auto& c : sa->children) {
            ChildSaInfo ci;
            ci.id = c.id;
            ci.tag = c.tag;
            ci.inbound_spi = c.inbound_spi;
            ci.outbound_spi = c.outbound_spi;
            ci.mode = c.mode;
            ci.suite = c.suite;
            ci.esn = c.esn;
            ci.local_ts = c.local_ts;
            ci.remote_ts = c.remote_ts;
            if (c.rekey_at != Time::max()) ci.rekey_at = c.rekey_at;
            ci.rekeying = c.rekeying;
            ci.replaced = c.replaced_by.has_value();
            i.children.push_back(std::move(ci));
        }
        out.push_back(std::move(i));
    }
    return out;
}

}  // namespace sa
}  // namespace ike
