// The seed corpus of fuzz_engine: whole valid conversations (IKE_SA_INIT, IKE_AUTH, the first
// child SA, more children, rekeys, deletes) under each configuration, and variants with loss,
// duplication, reordering, retransmission, revocation, replays and re-encrypted mutations. Each
// seed is recorded while it runs on a real World, so "deliver the next datagram" steps are
// written one by one and the fuzzer can mutate between any two of them.
#include <cstdio>
#include <functional>
#include <string>

#include "world.hpp"

namespace fuzz_engine {
namespace {

class Script {
public:
    explicit Script(std::uint8_t config) : m_world(config) { m_w.u8(config); }

    Script& exec(Op op, std::initializer_list<unsigned> args = {}, unsigned arg16 = ~0u) {
        Writer w;
        w.op(op);
        for (const auto a : args) w.u8(a);
        if (arg16 != ~0u) w.u16(arg16);
        Reader r{std::span(w.out).subspan(1)};
        m_world.step(op, r);
        m_w.out.insert(m_w.out.end(), w.out.begin(), w.out.end());
        return *this;
    }
    // Delivers everything in flight, one datagram at a time, until nothing is pending.
    Script& flow() {
        for (int i = 0; i < 200 && m_world.pending() > 0; ++i) exec(Op::deliver, {0});
        return *this;
    }
    Script& initiate(int side, unsigned variant = 0) { return exec(Op::initiate, {unsigned(side), variant}); }
    Script& advance_s(unsigned seconds) { return exec_raw({std::uint8_t(Op::advance), 2, std::uint8_t(seconds >> 8), std::uint8_t(seconds)}); }
    Script& timer(int side) { return exec(Op::next_timer, {unsigned(side)}); }
    Script& mutate(std::uint8_t how, std::uint16_t pos, std::uint8_t value, Op op = Op::deliver_mutated) {
        return exec_raw({std::uint8_t(op), 0, how, std::uint8_t(pos >> 8), std::uint8_t(pos), value});
    }
    Script& exec_raw(std::vector<std::uint8_t> bytes) {
        Reader r{std::span(bytes).subspan(1)};
        m_world.step(static_cast<Op>(bytes[0]), r);
        m_w.out.insert(m_w.out.end(), bytes.begin(), bytes.end());
        return *this;
    }
    World& world() { return m_world; }
    const std::vector<std::uint8_t>& bytes() const { return m_w.out; }

private:
    World m_world;
    Writer m_w;
};

using Build = std::function<void(Script&)>;

void established(Script& s, int side = 0, unsigned variant = 0) { s.initiate(side, variant).flow(); }

std::vector<std::pair<std::string, Build>> conversations() {
    std::vector<std::pair<std::string, Build>> v;
    v.emplace_back("whole", [](Script& s) {
        established(s);
        s.exec(Op::delete_child, {0, 0}).flow().exec(Op::delete_ike, {0, 0}).flow();
    });
    v.emplace_back("responder-deletes", [](Script& s) {
        established(s);
        s.exec(Op::delete_child, {1, 0}).flow().exec(Op::delete_ike, {1, 0}).flow();
    });
    v.emplace_back("node1-initiates", [](Script& s) {
        established(s, 1);
        s.exec(Op::delete_ike, {1, 0}).flow();
    });
    for (unsigned variant = 1; variant < 8; ++variant)
        v.emplace_back("variant" + std::to_string(variant), [variant](Script& s) {
            established(s, 0, variant);
            s.exec(Op::delete_ike, {0, 0}).flow();
        });
    v.emplace_back("two-tunnels", [](Script& s) {
        established(s);
        s.initiate(0, 1).flow().exec(Op::delete_child, {0, 1}).flow().exec(Op::delete_ike, {0, 1}).flow();
    });
    v.emplace_back("second-ike-sa", [](Script& s) {  // InitiateRequest::new_ike_sa: two IKE SAs, one peer
        established(s);
        s.initiate(0, 8).flow().exec(Op::delete_ike, {0, 0}).flow().exec(Op::delete_ike, {1, 1}).flow();
    });
    v.emplace_back("simultaneous", [](Script& s) { s.initiate(0).initiate(1).flow(); });
    v.emplace_back("rekey-child", [](Script& s) {
        established(s);
        s.exec(Op::rekey_child, {0, 0}).flow().exec(Op::rekey_child, {1, 0}).flow().exec(Op::delete_ike, {0, 0}).flow();
    });
    v.emplace_back("rekey-ike", [](Script& s) {
        // RFC 7296 §1.3.2 from either side, then a child rekey and a delete over the newest IKE SA
        established(s);
        s.exec(Op::rekey_ike, {0, 0}).flow().exec(Op::rekey_ike, {1, 1}).flow();
        s.exec(Op::rekey_child, {0, 0}).flow().exec(Op::delete_child, {1, 1}).flow().exec(Op::delete_ike, {0, 2}).flow();
    });
    v.emplace_back("rekey-ike-simultaneous", [](Script& s) {  // §2.8.2
        established(s);
        s.exec(Op::rekey_ike, {0, 0}).exec(Op::rekey_ike, {1, 0}).flow();
        s.exec(Op::delete_ike, {0, 1}).flow();
    });
    v.emplace_back("rekey-child-simultaneous", [](Script& s) {  // §2.8.1
        established(s);
        s.exec(Op::rekey_child, {0, 0}).exec(Op::rekey_child, {1, 0}).flow();
        s.exec(Op::delete_ike, {1, 0}).flow();
    });
    v.emplace_back("rekey-vs-delete", [](Script& s) {  // §2.25.1: a rekey crosses the child's DELETE
        established(s);
        s.exec(Op::rekey_child, {0, 0}).exec(Op::delete_child, {1, 0}).flow();
        s.exec(Op::delete_ike, {0, 0}).flow();
    });
    v.emplace_back("child-during-ike-rekey", [](Script& s) {  // §2.25.2
        established(s);
        s.exec(Op::rekey_ike, {0, 0}).initiate(1, 1).flow();
        for (int i = 0; i < 3; ++i) s.timer(0).flow().timer(1).flow();  // retries after TEMPORARY_FAILURE
        s.exec(Op::delete_ike, {1, 1}).flow();
    });
    v.emplace_back("rekey-on-time", [](Script& s) {
        established(s);
        for (int i = 0; i < 4; ++i) s.advance_s(200).flow();
    });
    v.emplace_back("liveness", [](Script& s) {
        established(s);
        s.advance_s(31).flow().advance_s(31).flow();
    });
    v.emplace_back("dead-peer", [](Script& s) {
        established(s);
        for (int i = 0; i < 10; ++i) s.advance_s(40).exec(Op::drop, {0});
    });
    v.emplace_back("lost-init-response", [](Script& s) {
        s.initiate(0).exec(Op::deliver, {0}).exec(Op::drop, {0}).timer(0).flow();
    });
    v.emplace_back("lost-auth-response", [](Script& s) {
        s.initiate(0).flow();
        s.exec(Op::delete_child, {0, 0});
        s.exec(Op::deliver, {0}).exec(Op::drop, {0}).timer(0).flow();
    });
    v.emplace_back("duplicates", [](Script& s) {
        s.initiate(0);
        for (int i = 0; i < 12 && s.world().pending() > 0; ++i) s.exec(Op::duplicate, {0}).exec(Op::deliver, {0});
        s.flow();
    });
    v.emplace_back("reorder", [](Script& s) {
        s.initiate(0).initiate(0, 1).exec(Op::reorder, {0}).flow();
    });
    v.emplace_back("give-up", [](Script& s) {
        s.initiate(0);
        for (int i = 0; i < 8; ++i) s.exec(Op::drop, {0}).timer(0);
    });
    v.emplace_back("half-open-expires", [](Script& s) {
        s.initiate(0).exec(Op::deliver, {0}).exec(Op::drop, {0}).exec(Op::next_timer, {1}).advance_s(31).flow();
    });
    for (unsigned p = 1; p < 7; ++p)
        v.emplace_back("policy" + std::to_string(p), [p](Script& s) {
            established(s);
            s.exec(Op::update_policy, {1, p}).flow().initiate(0).flow().exec(Op::update_policy, {1, 0}).initiate(0).flow();
        });
    v.emplace_back("replay", [](Script& s) {
        established(s);
        for (unsigned k = 0; k < 6; ++k) s.exec(Op::replay, {k}).flow();
    });
    v.emplace_back("mutated-init", [](Script& s) { s.initiate(0).mutate(1, 40, 0x21).flow().timer(0).flow(); });
    v.emplace_back("reencrypted-auth", [](Script& s) {
        s.initiate(0).flow();
        s.exec(Op::delete_ike, {0, 0});
        s.initiate(0).exec(Op::deliver, {0}).exec(Op::deliver, {0});
        s.mutate(0x80, 3, 0, Op::reencrypt).flow().timer(0).flow();
    });
    v.emplace_back("reencrypted-delete", [](Script& s) {
        established(s);
        s.exec(Op::delete_child, {0, 0}).mutate(0x80 | 0x08, 0, 0, Op::reencrypt).flow();
        s.exec(Op::delete_ike, {1, 0}).mutate(2, 4, 0x2a, Op::reencrypt).flow().timer(1).flow();
    });
    v.emplace_back("inject", [](Script& s) {
        s.initiate(0);
        const auto d = s.world().pending_at(0).data;
        std::vector<std::uint8_t> raw{std::uint8_t(Op::inject), 1, 0, std::uint8_t(std::min<std::size_t>(d.size(), 255))};
        raw.insert(raw.end(), d.begin(), d.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(d.size(), 255)));
        s.exec_raw(raw).flow();
        s.exec_raw({std::uint8_t(Op::inject), 0, 0x07, 3, 0, 0, 0}).flow();
    });
    return v;
}

}  // namespace

int generate_corpus(const char* dir) {
    // configurations: plain, NAT, no liveness, short lifetimes, cookies, small fragments, tight limits
    const std::uint8_t configs[] = {0, nat, no_liveness, short_lifetimes, cookies_always, small_fragments, tight_limits,
                                    nat | short_lifetimes | 0x40};
    int written = 0;
    for (const auto& [name, build] : conversations()) {
        for (const auto config : configs) {
            // the full cross product for the basic conversations, the plain and one other config for the rest
            if (config != 0 && config != nat && config != short_lifetimes && name != "whole" && name != "rekey-child" &&
                name != "rekey-on-time" && name != "rekey-ike-simultaneous")
                continue;
            Script s(config);
            build(s);
            char path[512];
            std::snprintf(path, sizeof path, "%s/seed-%s-c%02x.prog", dir, name.c_str(), config);
            std::FILE* f = std::fopen(path, "wb");
            if (f == nullptr) return -1;
            std::fwrite(s.bytes().data(), 1, s.bytes().size(), f);
            std::fclose(f);
            s.world().settle();  // the seed itself must pass
            ++written;
        }
    }
    return written;
}

}  // namespace fuzz_engine
