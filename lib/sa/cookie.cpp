// The responder's stateless COOKIE (RFC 7296 §2.6): making, checking and rotating its secret.
#include "sa/cookie.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "sa/convert.hpp"
#include "sa/tasks.hpp"
#include "wire/exchange_table.hpp"

namespace ike::sa {
namespace {

constexpr std::size_t secret_size = 32;

}  // namespace

void CookieSecrets::rotate(crypto::Rng& rng) {
    Secret next;
    next.bytes.resize(secret_size);
    rng.fill(next.bytes);
    next.version = static_cast<std::uint8_t>(m_current.version + 1);
    if (!m_current.bytes.empty()) m_previous = std::move(m_current);
    m_current = std::move(next);
}

void CookieSecrets::advance(Time now, crypto::Rng& rng) {
    if (!m_rotated_at) {
        rotate(rng);
        m_rotated_at = now;
        return;
    }
    if (now - *m_rotated_at < m_lifetime) return;
    if (now - *m_rotated_at >= 2 * m_lifetime) rotate(rng);  // the previous one is too old as well
    rotate(rng);
    m_rotated_at = now;
}

std::vector<std::uint8_t> CookieSecrets::compute(const Secret& s, std::span<const std::uint8_t> nonce_i,
                                                 const IpAddress& source, std::uint64_t spi_i) {
    const auto spi = be64(spi_i);
    const std::uint8_t family = source.family == IpAddress::Family::v4 ? 4 : 6;
    const auto h = crypto::sha256({s.bytes, spi, std::span(&family, 1), source.octets(), nonce_i});
    std::vector<std::uint8_t> c(1 + h.size(), s.version);
    std::copy(h.begin(), h.end(), c.begin() + 1);
    return c;
}

std::vector<std::uint8_t> CookieSecrets::make(std::span<const std::uint8_t> nonce_i, const IpAddress& source,
                                              std::uint64_t spi_i) const {
    return compute(m_current, nonce_i, source, spi_i);
}

bool CookieSecrets::valid(std::span<const std::uint8_t> cookie, std::span<const std::uint8_t> nonce_i,
                          const IpAddress& source, std::uint64_t spi_i) const {
    if (cookie.empty() || m_current.bytes.empty()) return false;
    // The version octet only picks the secret; it is not secret itself.
    const Secret* s = cookie[0] == m_current.version                 ? &m_current
                      : m_previous && cookie[0] == m_previous->version ? &*m_previous
                                                                       : nullptr;
    if (s == nullptr) return false;
    return crypto::constant_time_equal(cookie, compute(*s, nonce_i, source, spi_i));
}

CookieVerdict check_cookie(Context& ctx, const CookieSecrets& secrets, const Received& rx) {
    const auto& payloads = rx.message.payloads;
    if (rx.message.header.message_id != 0 || !wire::check_exchange(rx.message.header, payloads))
        return CookieVerdict::dropped;
    const auto* ni = find_payload<wire::NoncePayload>(payloads);
    if (ni == nullptr) return CookieVerdict::dropped;
    const auto& nonce_i = ni->nonce.bytes();
    const auto spi_i = rx.message.header.spi_i;
    if (const auto* c = find_notify(payloads, wire::NotifyType::cookie)) {
        if (secrets.valid(c->data, nonce_i, rx.remote.ip, spi_i)) return CookieVerdict::proceed;
        // §2.6: a cookie that does not match is ignored, as if none had been sent: the answer
        // is a fresh cookie (the initiator's may predate a rotation).
        ++ctx.counters.cookies_rejected;
    }
    ++ctx.counters.cookies_sent;
    send_stateless_notify(ctx, rx, notify(wire::NotifyType::cookie, secrets.make(nonce_i, rx.remote.ip, spi_i)));
    return CookieVerdict::answered;
}

}  // namespace ike::sa
