// CRL parsing and signature check on Botan 2; the revoked serials are kept in a set for lookup.
#include "crypto/crl.hpp"

#include "crypto/auth_sig.hpp"
#include "crypto/pubkey_impl.hpp"
#include "crypto/x509_cert_impl.hpp"

#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/pkix_types.h>
#include <botan/x509_crl.h>

#include <set>
#include <string>

namespace ike::crypto {

struct Crl::Impl {
    Botan::X509_CRL crl;
    // The serials' octets as strings: ordering vectors of octets makes g++ 12 -O3 warn falsely
    // (-Wstringop-overread in std::lexicographical_compare_three_way).
    std::set<std::string> serials;
};

namespace {

template <typename Parse>
CertResult<Crl> parse_guarded(Parse&& parse) {
    try {
        auto impl = std::make_shared<Crl::Impl>(Crl::Impl{parse(), {}});
        // A time Botan cannot convert (a year before 1970 or from 2400 on: it throws) is refused
        // here, so that this_update()/next_update() (noexcept) never meet one later.
        (void)impl->crl.this_update().to_std_timepoint();
        if (impl->crl.next_update().time_is_set()) (void)impl->crl.next_update().to_std_timepoint();
        for (const auto& entry : impl->crl.get_revoked()) {
            const auto& s = entry.serial_number();
            impl->serials.emplace(s.begin(), s.end());
        }
        return Crl(std::move(impl));
    } catch (const std::exception&) {
        return unexpected(CertError::Malformed);
    }
}

}  // namespace

CertResult<Crl> Crl::from_der(std::span<const std::uint8_t> der) {
    return parse_guarded(
        [&] { return Botan::X509_CRL(std::vector<std::uint8_t>(der.begin(), der.end())); });
}

CertResult<Crl> Crl::from_pem(std::string_view pem) {
    if (pem.find("-----BEGIN X509 CRL-----") == std::string_view::npos) {
        return unexpected(CertError::Malformed);
    }
    return parse_guarded([&] {
        Botan::DataSource_Memory src(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size());
        return Botan::X509_CRL(src);
    });
}

namespace {
// nextUpdate is optional in the syntax (RFC 5280 §5.1.2.5) and Botan throws on an unset time.
TimePoint time_or(const Botan::X509_Time& t, TimePoint absent) noexcept {
    try {
        return t.time_is_set() ? t.to_std_timepoint() : absent;
    } catch (const std::exception&) {
        return absent;
    }
}
}  // namespace

TimePoint Crl::this_update() const noexcept { return time_or(m_impl->crl.this_update(), TimePoint::max()); }
TimePoint Crl::next_update() const noexcept { return time_or(m_impl->crl.next_update(), TimePoint::max()); }
std::size_t Crl::revoked_count() const noexcept { return m_impl->serials.size(); }

std::uint64_t Crl::crl_number() const noexcept {
    try {
        return m_impl->crl.crl_number();
    } catch (const std::exception&) {
        return 0;
    }
}

std::string Crl::issuer() const { return m_impl->crl.issuer_dn().to_string(); }

std::vector<CrlEntry> Crl::entries() const {
    std::vector<CrlEntry> out;
    for (const auto& e : m_impl->crl.get_revoked()) {
        auto serial = e.serial_number();
        while (serial.size() > 1 && serial.front() == 0) {
            serial.erase(serial.begin());
        }
        out.push_back(CrlEntry{std::move(serial), e.expire_time().to_std_timepoint(),
                               static_cast<std::uint8_t>(e.reason_code())});
    }
    return out;
}

bool Crl::revokes(std::span<const std::uint8_t> serial) const noexcept {
    // Strip leading zeros so that 00 11 and 11 name the same serial.
    while (serial.size() > 1 && serial.front() == 0) {
        serial = serial.subspan(1);
    }
    return m_impl->serials.contains(std::string(serial.begin(), serial.end()));
}

CertResult<void> Crl::verify_issued_by(const Certificate& issuer) const {
    try {
        if (!(m_impl->crl.issuer_dn() == issuer.impl().cert.subject_dn())) {
            return unexpected(CertError::CrlInvalid);
        }
        std::vector<std::uint8_t> alg;
        Botan::DER_Encoder(alg).encode(m_impl->crl.signature_algorithm());
        const auto scheme = parse_algorithm_identifier(alg);
        if (!scheme || !scheme_fits(*scheme, issuer.public_key().type())) {
            return unexpected(CertError::CrlInvalid);
        }
        if (m_impl->crl.check_signature(*issuer.public_key().impl().key)) {
            return {};
        }
    } catch (const std::exception&) {
    }
    return unexpected(CertError::CrlInvalid);
}

}  // namespace ike::crypto
