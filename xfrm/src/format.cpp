// Text for logs and xfrmctl, close to iproute2's layout. Keys print as "<redacted>".
#include "xfrm/format.hpp"

#include <cstdio>

namespace meshd::xfrm {

namespace {

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string limit(std::uint64_t v) { return v == infinite ? "inf" : std::to_string(v); }

std::string ports(std::uint16_t port, std::uint16_t mask) {
    if (mask == 0) return {};
    std::string out(1, ':');  // (not ":" + to_string(): g++ 12 -O3 warns falsely, -Wrestrict)
    out += std::to_string(port);
    return out;
}

std::string lifetime(const Lifetime& l) {
    return "soft " + limit(l.soft_bytes) + "B/" + limit(l.soft_packets) + "p/" +
           std::to_string(l.soft_add_seconds) + "s, hard " + limit(l.hard_bytes) + "B/" +
           limit(l.hard_packets) + "p/" + std::to_string(l.hard_add_seconds) + "s";
}

}  // namespace

std::string to_string(const Selector& s) {
    std::string out = s.src.to_string() + "/" + std::to_string(s.src_prefix) +
                      ports(s.sport, s.sport_mask) + " -> " + s.dst.to_string() + "/" +
                      std::to_string(s.dst_prefix) + ports(s.dport, s.dport_mask);
    if (s.proto != 0) {
        out += " proto " + std::to_string(s.proto);
    }
    if (s.ifindex != 0) {
        out += " dev " + std::to_string(s.ifindex);
    }
    return out;
}

std::string to_string(const Mark& m) { return hex32(m.value) + "/" + hex32(m.mask); }

std::string to_string(const Transform& t) {
    if (const auto* aead = std::get_if<Aead>(&t)) {
        if (aead->name.empty()) {
            return "none (larval)";
        }
        return "aead " + aead->name + " key <redacted> (" + std::to_string(aead->key.size() * 8) +
               " bits) icv " + std::to_string(aead->icv_bits);
    }
    const auto& ca = std::get<CryptAuth>(t);
    return "enc " + ca.crypt_name + " key <redacted> (" + std::to_string(ca.crypt_key.size() * 8) +
           " bits), auth " + ca.auth_name + " key <redacted> trunc " + std::to_string(ca.trunc_bits);
}

std::string to_string(const Counters& c) {
    return std::to_string(c.bytes) + " bytes, " + std::to_string(c.packets) + " packets, added " +
           std::to_string(c.add_time) + ", used " + std::to_string(c.use_time);
}

std::string to_string(Direction dir) {
    switch (dir) {
        case Direction::in: return "in";
        case Direction::out: return "out";
        case Direction::fwd: return "fwd";
    }
    return "?";
}

std::string to_string(Mode mode) {
    switch (mode) {
        case Mode::transport: return "transport";
        case Mode::tunnel: return "tunnel";
    }
    return "?";
}

std::string describe(const Sa& sa) {
    return "esp spi " + hex32(sa.spi) + " " + sa.src.to_string() + "->" + sa.dst.to_string() +
           " reqid " + std::to_string(sa.reqid);
}

std::string describe(const SaId& id) {
    return "esp spi " + hex32(id.spi) + " " + (id.src ? id.src->to_string() : "*") + "->" +
           id.dst.to_string();
}

std::string describe(const Policy& p) {
    return "policy " + to_string(p.dir) + " " + to_string(p.selector);
}

std::string describe(const PolicyId& id) {
    if (id.index != 0) {
        return "policy index " + std::to_string(id.index);
    }
    return "policy " + to_string(id.dir) + " " + to_string(id.selector);
}

std::string to_string(const SaInfo& info) {
    const Sa& sa = info.sa;
    std::string out = describe(sa) + " mode " + to_string(sa.mode) + "\n";
    out += "  " + to_string(sa.transform) + "\n";
    out += "  replay " + std::string(sa.replay.esn ? "esn " : "") + "window " +
           std::to_string(sa.replay.window) + ", lifetime " + lifetime(sa.lifetime) + "\n";
    if (sa.selector.src.family != Family::unspec || sa.selector.dst.family != Family::unspec) {
        out += "  sel " + to_string(sa.selector) + "\n";
    }
    if (sa.encap) {
        out += "  encap espinudp " + std::to_string(sa.encap->sport) + " -> " +
               std::to_string(sa.encap->dport) + "\n";
    }
    if (sa.mark) {
        out += "  mark " + to_string(*sa.mark) + "\n";
    }
    out += "  counters: " + to_string(info.counters);
    return out;
}

std::string to_string(const PolicyInfo& info) {
    const Policy& p = info.policy;
    std::string out = describe(p) + " priority " + std::to_string(p.priority) + " index " +
                      std::to_string(p.index) +
                      (p.action == Action::block ? " action block" : "") + "\n";
    for (const auto& t : p.templates) {
        out += "  tmpl " + t.src.to_string() + "->" + t.dst.to_string() + " proto " +
               std::to_string(t.proto) + " reqid " + std::to_string(t.reqid) + " mode " +
               to_string(t.mode) + (t.level == Level::use ? " level use" : "") + "\n";
    }
    if (p.mark) {
        out += "  mark " + to_string(*p.mark) + "\n";
    }
    out += "  counters: " + to_string(info.counters);
    return out;
}

std::string to_string(const Event& event) {
    struct Visitor {
        std::string operator()(const AcquireEvent& e) const {
            return "ACQUIRE seq " + std::to_string(e.seq) + " " + e.src.to_string() + "->" +
                   e.dst.to_string() + " packet " + to_string(e.packet) + "\n  " +
                   to_string(e.policy);
        }
        std::string operator()(const ExpireEvent& e) const {
            return std::string(e.hard ? "EXPIRE hard " : "EXPIRE soft ") + to_string(e.sa);
        }
        std::string operator()(const PolicyExpireEvent& e) const {
            return std::string(e.hard ? "POLEXPIRE hard " : "POLEXPIRE soft ") + to_string(e.policy);
        }
        std::string operator()(const MappingEvent& e) const {
            return "MAPPING spi " + hex32(e.spi) + " reqid " + std::to_string(e.reqid) + " " +
                   e.old_src.to_string() + ":" + std::to_string(e.old_sport) + " -> " +
                   e.new_src.to_string() + ":" + std::to_string(e.new_sport);
        }
    };
    return std::visit(Visitor{}, event);
}

}  // namespace meshd::xfrm
