// The fuzz input format of fuzz_engine: one configuration byte, then a program of operations,
// each an opcode byte and its fixed arguments. A reader past the end yields zeros, so every
// input is a valid program; the generator (generate.cpp) writes the same format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fuzz_engine {

// Bits of the configuration byte.
enum ConfigBit : std::uint8_t {
    short_lifetimes = 0x01,  // IKE rekey after 10 min, child soft/hard 5/7 min: time ops reach rekeys
    cookies_always = 0x02,   // cookie_threshold 0: every IKE_SA_INIT must carry a COOKIE (RFC 7296 §2.6)
    small_fragments = 0x04,  // fragment_size 576 (RFC 7383)
    no_liveness = 0x08,      // liveness_after 0
    nat = 0x10,              // node 0 behind a NAT (RFC 7296 §2.23)
    tight_limits = 0x20,     // max_half_open 4, per source 2
    // the two high bits pick one of four RNG seeds
};

enum class Op : std::uint8_t {
    deliver,        // k: deliver pending[k] as it is
    deliver_mutated,  // k, how, pos(u16), value: deliver a byte-level mutation of pending[k]
    duplicate,      // k: append a copy of pending[k]
    drop,           // k
    reorder,        // k: move pending[k] to the back
    inject,         // side, flags, len, bytes: raw datagram to a side (port 500 or 4500)
    advance,        // scale, amount(u16): advance the clock, handle_timeout on both sides
    next_timer,     // side: jump to that side's next_timeout and handle_timeout on both
    initiate,       // side, variant
    delete_child,   // side, k
    delete_ike,     // side, k
    rekey_child,    // side, k
    update_policy,  // side, variant
    replay,         // k: deliver history[k] again (an old datagram)
    reencrypt,      // k, how, pos(u16), value: decrypt pending[k], mutate its plaintext, re-encrypt
    deliver_all,    // deliver everything pending, in order (bounded)
    rekey_ike,      // side, k: rekey_ike on the k-th IKE SA that side reported
    count_
};

struct Reader {
    std::span<const std::uint8_t> in;
    bool empty() const { return in.empty(); }
    std::uint8_t u8() {
        if (in.empty()) return 0;
        const auto v = in[0];
        in = in.subspan(1);
        return v;
    }
    std::uint16_t u16() {
        const auto hi = u8();
        return static_cast<std::uint16_t>(hi << 8 | u8());
    }
    std::vector<std::uint8_t> bytes(std::size_t n) {
        n = n < in.size() ? n : in.size();
        std::vector<std::uint8_t> out(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
        in = in.subspan(n);
        return out;
    }
};

struct Writer {
    std::vector<std::uint8_t> out;
    Writer& op(Op o) {
        out.push_back(static_cast<std::uint8_t>(o));
        return *this;
    }
    Writer& u8(unsigned v) {
        out.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
    Writer& u16(unsigned v) {
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
};

// Runs one program (the fuzz target). Aborts with a message on any invariant violation.
void run_program(std::span<const std::uint8_t> input);
// Writes the seed corpus into `dir`; returns the number of files.
int generate_corpus(const char* dir);

}  // namespace fuzz_engine
