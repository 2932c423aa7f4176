// Stateless COOKIEs of a responder under load (RFC 7296 §2.6): before it keeps any state or
// computes any Diffie-Hellman, the responder makes the initiator prove that it receives what is
// sent to its source address. Time comes from the `now` passed in (lib/ reads no clock).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/rng.hpp"
#include "crypto/secret.hpp"
#include "ike/types.hpp"

namespace ike::sa {

struct Context;
struct Received;

// cookie = <version of the secret> | SHA-256(secret | SPIi | IP family | IPi | Ni)
// (§2.6's Hash(Ni | IPi | SPIi | <secret>) with the fixed-size fields first, so that no two
// (Ni, IPi) pairs hash the same octets: an IPv4 address could otherwise be read as the tail of
// an IPv6 address plus part of a nonce.) The secret changes every `lifetime`; the previous one
// stays accepted for one more lifetime, so a cookie handed out just before a rotation still works.
class CookieSecrets {
public:
    explicit CookieSecrets(Duration lifetime) : m_lifetime(lifetime) {}

    // Draws the first secret on the first call, then rotates when a lifetime has passed (twice
    // when two have: nothing older than one lifetime is ever accepted).
    void advance(Time now, crypto::Rng& rng);
    std::vector<std::uint8_t> make(std::span<const std::uint8_t> nonce_i, const IpAddress& source,
                                   std::uint64_t spi_i) const;
    // Constant time in the cookie's contents.
    bool valid(std::span<const std::uint8_t> cookie, std::span<const std::uint8_t> nonce_i, const IpAddress& source,
               std::uint64_t spi_i) const;

private:
    struct Secret {
        crypto::SecureBytes bytes;
        std::uint8_t version = 0;
    };
    static std::vector<std::uint8_t> compute(const Secret& s, std::span<const std::uint8_t> nonce_i,
                                             const IpAddress& source, std::uint64_t spi_i);
    void rotate(crypto::Rng& rng);

    Duration m_lifetime;
    std::optional<Time> m_rotated_at;
    Secret m_current;
    std::optional<Secret> m_previous;
};

enum class CookieVerdict : std::uint8_t {
    proceed,   // the request carries a valid cookie: go on (caps, then Diffie-Hellman)
    answered,  // a COOKIE notify was sent back (none, or a stale or forged one); nothing kept
    dropped,   // not a well-formed IKE_SA_INIT request
};

// The responder's cookie step for an IKE_SA_INIT request, once half-open SAs passed the
// threshold (§2.6). Counts cookies_sent and cookies_rejected.
CookieVerdict check_cookie(Context& ctx, const CookieSecrets& secrets, const Received& rx);

}  // namespace ike::sa
