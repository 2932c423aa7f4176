// RFC 7383: sending encrypted messages as SKF fragments and reassembling the peer's.
// Sizes: Limits::fragment_size bounds the whole IP datagram (IP and UDP headers, the non-ESP
// marker on port 4500, the IKE message), as RFC 7383 §2.5.1 reasons about what fits the path
// MTU (and as strongSwan's fragment_size does), so the same number works for IPv4 and IPv6.
#include "sa/fragments.hpp"

#include <algorithm>

#include "sa/protect.hpp"
#include "sa/tasks.hpp"
#include "wire/writer.hpp"

namespace ike::sa {

bool is_fragment(const wire::Message& m) {
    return !m.payloads.empty() && std::holds_alternative<wire::EncryptedFragment>(m.payloads.back());
}

// --- sending (RFC 7383 §2.5) ---

namespace {

constexpr std::size_t skf_header = 8;  // generic payload header + Fragment Number + Total Fragments
constexpr std::size_t udp_header = 8;

// Everything of the IP datagram that is not the IKE message.
std::size_t datagram_overhead(const IkeSa& sa) {
    const std::size_t ip = sa.remote.ip.family == IpAddress::Family::v4 ? 20 : 40;
    return ip + udp_header + (sa.local.port == natt_port ? 4 : 0);
}

// The IP datagram size our fragments must fit: the configured one, lowered by a fallback that
// the path needed (§2.5.2); an answer also no larger than the fragments of the peer's requests,
// which came through the path (so a peer that fell back to small fragments gets small ones).
std::size_t fragment_limit(const Context& ctx, const IkeSa& sa, bool response) {
    std::size_t size = ctx.config.limits.fragment_size;
    if (size == 0) return 0;
    if (sa.path_fragment_limit != 0) size = std::min(size, sa.path_fragment_limit);
    if (response && sa.fragments.peer_datagram() != 0)
        size = std::min(size, sa.fragments.peer_datagram() + datagram_overhead(sa));
    return size;
}

std::optional<FragmentBytes> seal_fragment(IkeSa& sa, const wire::Header& header, wire::PayloadType next,
                                           std::uint16_t number, std::uint16_t total,
                                           std::span<const std::uint8_t> chunk) {
    const std::size_t body_len = sa.protector->body_length(chunk.size());
    wire::Writer w;
    wire::encode_header(w, header, wire::PayloadType::skf,
                        static_cast<std::uint32_t>(wire::header_size + skf_header + body_len));
    w.u8(wire::raw(next));
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(skf_header + body_len));
    w.u16(number);
    w.u16(total);
    FragmentBytes out = w.take();
    auto body = sa.protector->protect(out, chunk);  // AAD: the IKE header and the whole SKF header
    if (!body) return std::nullopt;
    out.insert(out.end(), body->begin(), body->end());
    return out;
}

// The most inner octets one fragment can carry within `limit` octets of IKE message.
std::size_t chunk_capacity(const IkeSa& sa, std::size_t limit) {
    if (limit <= wire::header_size + skf_header) return 0;
    const std::size_t room = limit - wire::header_size - skf_header;
    std::size_t c = room;
    while (c > 0 && sa.protector->body_length(c) > room) --c;  // IV, padding and ICV
    return c;
}

std::vector<FragmentBytes> fragment(Context& ctx, IkeSa& sa, const wire::Header& header,
                                    const wire::EncodedChain& chain, std::size_t limit) {
    const std::size_t cap = chunk_capacity(sa, limit);
    if (cap == 0) return {};
    const std::size_t n = (chain.bytes.size() + cap - 1) / cap;
    if (n == 0 || n > 0xffff) return {};
    std::vector<FragmentBytes> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t at = i * cap;
        const auto chunk = std::span(chain.bytes).subspan(at, std::min(cap, chain.bytes.size() - at));
        // §2.5: only the first fragment names the first inner payload.
        auto f = seal_fragment(sa, header, i == 0 ? chain.first : wire::PayloadType::none,
                               static_cast<std::uint16_t>(i + 1), static_cast<std::uint16_t>(n), chunk);
        if (!f) return {};
        out.push_back(std::move(*f));
    }
    ctx.counters.fragments_sent += n;
    return out;
}

}  // namespace

std::vector<FragmentBytes> seal_message(Context& ctx, IkeSa& sa, const wire::Header& header,
                                        std::span<const wire::Payload> inner) {
    const auto whole = [&]() -> std::vector<FragmentBytes> {
        auto m = seal(sa, header, inner);
        if (!m) return {};
        return {std::move(*m)};
    };
    if (!header.response) sa.fragmented_request.reset();
    const std::size_t size = fragment_limit(ctx, sa, header.response);
    const std::size_t overhead = datagram_overhead(sa);
    // §2.5: only when both sides announced support, and only for messages too big for the path.
    if (!sa.fragmentation || !sa.protector || size == 0 || size <= overhead) return whole();
    auto chain = wire::encode_inner(inner);
    const bool fits = wire::header_size + 4 + sa.protector->body_length(chain.bytes.size()) + overhead <= size;
    auto pieces = fits ? std::vector<FragmentBytes>{} : fragment(ctx, sa, header, chain, size - overhead);
    if (pieces.empty()) pieces = whole();  // it fits (or the limit is too small to fragment at all)
    if (!header.response && !pieces.empty())  // kept for a smaller try (§2.5.2)
        sa.fragmented_request = FragmentedRequest{header, std::move(chain), size, pieces.size(), 0};
    return pieces;
}

// §2.5.2: the datagram sizes tried after the configured one, largest first: 1280 octets (IPv6's
// minimum MTU, common behind tunnels), then 576 (the datagram every IPv4 host must accept).
std::optional<std::vector<FragmentBytes>> smaller_fragments(Context& ctx, IkeSa& sa) {
    auto& f = sa.fragmented_request;
    const auto& o = sa.window.outstanding();
    const unsigned after = ctx.config.timers.fragment_fallback_after;
    if (!f || !o || after == 0 || !sa.protector || f->header.message_id != o->message_id) return std::nullopt;
    if (f->retransmits < after) {
        ++f->retransmits;
        return std::nullopt;
    }
    const std::size_t overhead = datagram_overhead(sa);
    const bool v4 = sa.remote.ip.family == IpAddress::Family::v4;
    for (const std::size_t size : {std::size_t{1280}, std::size_t{576}}) {
        if (size >= f->limit || (!v4 && size < 1280) || size <= overhead) continue;
        auto pieces = fragment(ctx, sa, f->header, f->chain, size - overhead);
        // §2.6: the receiver restarts reassembly only for more fragments than it has seen.
        if (pieces.size() <= f->count) continue;
        f->limit = size;
        f->count = pieces.size();
        f->retransmits = 0;
        sa.path_fragment_limit = size;  // later messages of this SA start there
        ++ctx.counters.fragment_fallbacks;
        return pieces;
    }
    f->limit = 0;  // nothing smaller left: retransmitted as it is until the give-up
    return std::nullopt;
}

// --- receiving (RFC 7383 §2.6) ---

namespace {

struct Opened {
    const wire::EncryptedFragment& fragment;
    crypto::SecureBytes plain;
};

// Checks that cost nothing, then the fragment's own ICV: nothing is kept before it passes.
std::optional<Opened> authenticate(Context& ctx, IkeSa& sa, const Received& rx) {
    const auto& f = std::get<wire::EncryptedFragment>(rx.message.payloads.back());
    const auto& h = rx.message.header;
    if (!sa.fragmentation || !sa.unprotector || h.exchange == wire::ExchangeType::ike_sa_init ||
        f.total > ctx.config.limits.max_fragments || rx.message.payloads.size() != 1) {
        ++ctx.counters.fragments_dropped;
        return std::nullopt;
    }
    const auto spans = wire::encrypted_spans(rx.datagram, rx.message);
    if (!spans) {
        ++ctx.counters.decode_errors;
        return std::nullopt;
    }
    auto plain = sa.unprotector->unprotect(spans->aad, spans->body);
    if (!plain) {
        ++ctx.counters.integrity_failures;
        return std::nullopt;
    }
    ++ctx.counters.fragments_received;
    return Opened{f, std::move(*plain)};
}

std::optional<std::vector<wire::Payload>> assemble(Context& ctx, IkeSa& sa, bool response, const Received& rx) {
    auto& slot = sa.fragments.slot(response);
    crypto::SecureBytes plain;
    plain.reserve(slot->bytes);
    for (const auto& p : slot->pieces) plain.insert(plain.end(), p.begin(), p.end());
    const auto first = slot->first_inner;
    if (!response) sa.fragments.saw_peer_datagram(slot->largest_datagram);
    sa.fragments.discard(response);
    ++ctx.counters.messages_reassembled;
    return checked_content(ctx, sa, rx, wire::decode_inner(first, plain));
}

std::optional<std::vector<wire::Payload>> keep(Context& ctx, IkeSa& sa, bool response, const Received& rx,
                                               Opened opened) {
    const auto& limits = ctx.config.limits;
    const auto& f = opened.fragment;
    const auto& h = rx.message.header;
    if (!sa.fragments.budget()) sa.fragments.bind(ctx.reassembly);
    auto& slot = sa.fragments.slot(response);
    if (slot && (slot->message_id != h.message_id || slot->exchange != h.exchange)) sa.fragments.discard(response);
    if (slot && f.total != slot->total) {
        // §2.6: fewer fragments than already seen is stale; more means the sender fragmented
        // the message anew (e.g. smaller, after PMTU trouble): start over with those.
        if (f.total < slot->total) {
            ++ctx.counters.fragments_dropped;
            return std::nullopt;
        }
        sa.fragments.discard(response);
    }
    const std::size_t index = f.number - 1u;
    if (slot && slot->have[index]) {  // a copy of one we hold
        ++ctx.counters.fragments_dropped;
        return std::nullopt;
    }
    const std::size_t table = slot ? 0 : sizeof(PartialMessage) + f.total * sizeof(crypto::SecureBytes);
    const std::size_t cost = table + opened.plain.size();
    if (sa.fragments.bytes() + cost > limits.max_reassembly_bytes) {
        sa.fragments.discard(response);  // this message can never fit: give it up
        ++ctx.counters.fragments_dropped;
        return std::nullopt;
    }
    const bool fresh = !slot;
    if (fresh) {
        slot = std::make_unique<PartialMessage>();
        slot->message_id = h.message_id;
        slot->total = f.total;
        slot->exchange = h.exchange;
        slot->pieces.resize(f.total);
        slot->have.assign(f.total, false);
        slot->source = sa.remote.ip;
        slot->started = ctx.now;
    }
    if (auto* budget = sa.fragments.budget()) {
        const auto evicted = budget->make_room(*slot, cost, limits.max_reassembly_per_source, limits.max_reassembly_total);
        if (!evicted) {
            if (fresh) sa.fragments.discard(response);
            ++ctx.counters.fragments_dropped;
            return std::nullopt;
        }
        ctx.counters.reassembly_evictions += *evicted;
    }
    if (f.number == 1) slot->first_inner = f.first_inner;
    slot->largest_datagram = std::max(slot->largest_datagram, rx.datagram.size());
    slot->last = ctx.now;
    slot->pieces[index] = std::move(opened.plain);
    slot->have[index] = true;
    ++slot->received;
    sa.fragments.account(response, cost);
    if (slot->received < slot->total) return std::nullopt;
    return assemble(ctx, sa, response, rx);
}

}  // namespace

std::optional<Time> reassembly_deadline(const Context& ctx, const IkeSa& sa) {
    const auto quiet = sa.fragments.quiet_since();
    if (!quiet) return std::nullopt;
    return *quiet + ctx.config.timers.reassembly_timeout;
}

void expire_reassembly(Context& ctx, IkeSa& sa) {
    for (const bool response : {false, true}) {
        const auto& slot = sa.fragments.slot(response);
        if (!slot || ctx.now < slot->last + ctx.config.timers.reassembly_timeout) continue;
        sa.fragments.discard(response);  // the peer's retransmission starts it again
        ++ctx.counters.reassembly_timeouts;
    }
}

std::optional<std::vector<wire::Payload>> take_request_fragment(Context& ctx, IkeSa& sa, const Received& rx) {
    const auto id = rx.message.header.message_id;
    const bool previous = sa.window.answered_previous(id);
    if (!previous && id != sa.window.expected_request_id()) {
        ++ctx.counters.dropped_out_of_window;
        return std::nullopt;
    }
    auto opened = authenticate(ctx, sa, rx);
    if (!opened) return std::nullopt;
    if (previous) {
        // §2.6.1: a retransmitted request; only its first fragment triggers the (whole) answer
        // again, so one retransmission does not multiply into Total Fragments answers.
        ++ctx.counters.duplicate_requests;
        if (opened->fragment.number == 1)
            for (const auto& d : sa.window.cached_response()) ctx.send(rx.local, rx.remote, d);
        return std::nullopt;
    }
    return keep(ctx, sa, false, rx, std::move(*opened));
}

std::optional<std::vector<wire::Payload>> take_response_fragment(Context& ctx, IkeSa& sa, const Received& rx) {
    auto opened = authenticate(ctx, sa, rx);
    if (!opened) return std::nullopt;
    return keep(ctx, sa, true, rx, std::move(*opened));
}

}  // namespace ike::sa
