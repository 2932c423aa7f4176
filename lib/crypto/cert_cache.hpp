// Parsed certificates keyed by their DER, so that a peer authenticating again (reconnect, IKE SA
// rekey by reauthentication, several peers behind one intermediate) costs no parse and no
// public-key load (~0.55 ms for an RSA key in Botan 2, more under load). Bounded, LRU.
// Not thread-safe: one per event loop, like the rest of libike.
#pragma once

#include "crypto/cert_error.hpp"
#include "crypto/x509_cert.hpp"

#include <cstddef>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace ike::crypto {

class CertificateCache {
public:
    explicit CertificateCache(std::size_t capacity = 256) : m_capacity(capacity ? capacity : 1) {}

    // The cached certificate for these bytes, or a fresh parse (errors are not cached).
    CertResult<Certificate> get(std::span<const std::uint8_t> der);

    std::size_t size() const noexcept { return m_lru.size(); }
    std::size_t hits() const noexcept { return m_hits; }
    std::size_t misses() const noexcept { return m_misses; }

private:
    using Entry = std::pair<std::string, Certificate>;  // DER bytes, parsed certificate
    std::size_t m_capacity;
    std::list<Entry> m_lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> m_index;  // views into m_lru
    std::size_t m_hits = 0;
    std::size_t m_misses = 0;
};

}  // namespace ike::crypto
