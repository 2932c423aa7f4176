// The LRU certificate cache: a list in recency order and an index of views into it.
#include "crypto/cert_cache.hpp"

namespace ike::crypto {

CertResult<Certificate> CertificateCache::get(std::span<const std::uint8_t> der) {
    const std::string_view key(reinterpret_cast<const char*>(der.data()), der.size());
    if (const auto it = m_index.find(key); it != m_index.end()) {
        ++m_hits;
        m_lru.splice(m_lru.begin(), m_lru, it->second);  // iterators and views stay valid
        return it->second->second;
    }
    ++m_misses;
    auto cert = Certificate::from_der(der);
    if (!cert) {
        return cert;
    }
    if (m_lru.size() >= m_capacity) {
        m_index.erase(std::string_view(m_lru.back().first));
        m_lru.pop_back();
    }
    m_lru.emplace_front(std::string(key), *cert);
    m_index.emplace(std::string_view(m_lru.front().first), m_lru.begin());
    return cert;
}

}  // namespace ike::crypto
