// The certificate authority on Botan 2's make_cert/make_signed, with the extensions Botan 2
// cannot write (IPv6 SANs, RFC 3779 blocks) passed through as raw DER.
#include "crypto/ca_issue.hpp"

#include "crypto/auth_sig.hpp"
#include "crypto/csr.hpp"
#include "crypto/privkey_impl.hpp"
#include "crypto/x509_cert_impl.hpp"

#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/hash.h>
#include <botan/pem.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>

namespace ike::crypto {
namespace {

// An extension whose value we encoded ourselves.
class RawExtension final : public Botan::Certificate_Extension {
public:
    RawExtension(std::string_view oid, std::string name, std::vector<std::uint8_t> value)
        : m_oid(std::string(oid)), m_name(std::move(name)), m_value(std::move(value)) {}

    Botan::OID oid_of() const override { return m_oid; }
    // Non-empty: Botan treats an empty name as "unknown extension".
    std::string oid_name() const override { return m_name; }
    RawExtension* copy() const override { return new RawExtension(*this); }
    void contents_to(Botan::Data_Store&, Botan::Data_Store&) const override {}

private:
    std::vector<std::uint8_t> encode_inner() const override { return m_value; }
    void decode_inner(const std::vector<std::uint8_t>& v) override { m_value = v; }

    Botan::OID m_oid;
    std::string m_name;
    std::vector<std::uint8_t> m_value;
};

// Botan's Extensions::add takes ownership of a raw pointer; release() hands it over.
template <typename Ext, typename... Args>
void add_ext(Botan::Extensions& exts, bool critical, Args&&... args) {
    exts.add(std::make_unique<Ext>(std::forward<Args>(args)...).release(), critical);
}

// The CA signs with Ed25519 or ECDSA only (RSA CAs are refused: one fewer scheme to trust).
CertResult<SignatureScheme> ca_scheme(KeyType type) {
    if (type == KeyType::Rsa) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
    return default_signature_scheme(type);
}

std::vector<std::uint8_t> key_id(std::span<const std::uint8_t> spki) {
    const auto h = Botan::HashFunction::create_or_throw("SHA-1");
    h->update(spki.data(), spki.size());
    return Botan::unlock(h->final());
}

Botan::X509_DN make_dn(const std::string& cn, const std::string& org) {
    Botan::X509_DN dn;
    if (!org.empty()) {
        dn.add_attribute("X520.Organization", org);
    }
    dn.add_attribute("X520.CommonName", cn);
    return dn;
}

struct Issuer {
    const PrivateKey& key;
    Botan::X509_DN dn;
};

CertResult<Certificate> sign_cert(const Issuer& issuer, const PublicKey& subject_key,
                                  const Botan::X509_DN& subject_dn, std::uint64_t serial,
                                  TimePoint not_before, TimePoint not_after,
                                  const Botan::Extensions& exts, Rng& rng) {
    if (serial == 0 || not_after <= not_before) {
        return unexpected(CertError::InvalidArgument);
    }
    const auto scheme = ca_scheme(issuer.key.type());
    if (!scheme) {
        return unexpected(scheme.error());
    }
    try {
        detail::BotanRngAdapter brng(rng);
        const auto signer = detail::make_botan_signer(issuer.key, *scheme, brng);
        const auto spki = subject_key.spki_der();
        const Botan::X509_Certificate cert = Botan::X509_CA::make_cert(
            signer.get(), brng, Botan::BigInt(serial), detail::botan_algorithm_identifier(*scheme),
            std::vector<std::uint8_t>(spki.begin(), spki.end()), Botan::X509_Time(not_before),
            Botan::X509_Time(not_after), issuer.dn, subject_dn, exts);
        return Certificate::from_der(cert.BER_encode());
    } catch (const std::exception&) {
        return unexpected(CertError::InvalidArgument);
    }
}

Botan::Extensions ca_extensions(const CaProfile& p, const PublicKey& subject_key,
                                const std::vector<std::uint8_t>& issuer_key_id) {
    Botan::Extensions exts;
    add_ext<Botan::Cert_Extension::Basic_Constraints>(
        exts, true, true, p.path_limit.value_or(Botan::Cert_Extension::NO_CERT_PATH_LIMIT));
    add_ext<Botan::Cert_Extension::Key_Usage>(
        exts, true, Botan::Key_Constraints(Botan::KEY_CERT_SIGN | Botan::CRL_SIGN));
    add_ext<Botan::Cert_Extension::Subject_Key_ID>(exts, false, key_id(subject_key.spki_der()));
    if (!issuer_key_id.empty()) {
        add_ext<Botan::Cert_Extension::Authority_Key_ID>(exts, false, issuer_key_id);
    }
    if (p.ip_blocks) {
        add_ext<RawExtension>(exts, true, kIpAddrBlocksOid, "PKIX.IpAddrBlocks",
                              p.ip_blocks->encode_der());
    }
    return exts;
}

bool valid_ca_profile(const CaProfile& p) {
    return !p.common_name.empty() && p.serial != 0 && p.not_before < p.not_after;
}

}  // namespace

CertResult<CertificateAuthority> CertificateAuthority::create_self_signed(
    PrivateKey key, const CaProfile& profile, Rng& rng) {
    if (!ca_scheme(key.type())) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
    if (!valid_ca_profile(profile)) {
        return unexpected(CertError::InvalidArgument);
    }
    const auto dn = make_dn(profile.common_name, profile.organization);
    const Issuer self{key, dn};
    auto cert = sign_cert(self, key.public_key(), dn, profile.serial, profile.not_before,
                          profile.not_after, ca_extensions(profile, key.public_key(), {}), rng);
    if (!cert) {
        return unexpected(cert.error());
    }
    return CertificateAuthority(std::move(*cert), std::move(key));
}

CertResult<CertificateAuthority> CertificateAuthority::from(Certificate cert, PrivateKey key) {
    const auto a = cert.public_key().spki_der();
    const auto b = key.public_key().spki_der();
    if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) {
        return unexpected(CertError::KeyMismatch);
    }
    if (!cert.is_ca() || !cert.allows_cert_sign()) {
        return unexpected(CertError::NotACa);
    }
    if (!ca_scheme(key.type())) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
    return CertificateAuthority(std::move(cert), std::move(key));
}

CertResult<Certificate> CertificateAuthority::issue_node(const PublicKey& subject,
                                                         const NodeProfile& p, Rng& rng) const {
    if (p.common_name.empty() || p.alt_names.empty()) {
        return unexpected(CertError::InvalidArgument);
    }
    Botan::Extensions exts;
    add_ext<Botan::Cert_Extension::Basic_Constraints>(exts, true, false);
    add_ext<Botan::Cert_Extension::Key_Usage>(
        exts, true,
        Botan::Key_Constraints(p.digital_signature ? Botan::DIGITAL_SIGNATURE
                                                   : Botan::KEY_ENCIPHERMENT));
    add_ext<Botan::Cert_Extension::Subject_Key_ID>(exts, false, key_id(subject.spki_der()));
    add_ext<Botan::Cert_Extension::Authority_Key_ID>(exts, false,
                                                     m_cert.impl().cert.subject_key_id());
    add_ext<RawExtension>(exts, false, kSubjectAltNameOid, "X509v3.SubjectAlternativeName",
                          encode_subject_alt_names(p.alt_names));
    if (p.ip_blocks) {
        add_ext<RawExtension>(exts, true, kIpAddrBlocksOid, "PKIX.IpAddrBlocks",
                              p.ip_blocks->encode_der());
    }
    const Issuer issuer{m_key, m_cert.impl().cert.subject_dn()};
    return sign_cert(issuer, subject, make_dn(p.common_name, {}), p.serial, p.not_before,
                     p.not_after, exts, rng);
}

CertResult<CertificateAuthority> CertificateAuthority::issue_intermediate(
    PrivateKey subject_key, const CaProfile& profile, Rng& rng) const {
    if (!ca_scheme(subject_key.type())) {
        return unexpected(CertError::UnsupportedAlgorithm);
    }
    if (!valid_ca_profile(profile)) {
        return unexpected(CertError::InvalidArgument);
    }
    const Issuer issuer{m_key, m_cert.impl().cert.subject_dn()};
    auto cert = sign_cert(
        issuer, subject_key.public_key(), make_dn(profile.common_name, profile.organization),
        profile.serial, profile.not_before, profile.not_after,
        ca_extensions(profile, subject_key.public_key(), m_cert.impl().cert.subject_key_id()),
        rng);
    if (!cert) {
        return unexpected(cert.error());
    }
    return CertificateAuthority(std::move(*cert), std::move(subject_key));
}

CertResult<std::vector<std::uint8_t>> CertificateAuthority::issue_crl(
    std::span<const std::uint64_t> revoked, TimePoint this_update, TimePoint next_update,
    std::uint64_t crl_number, Rng& rng) const {
    std::vector<RevokedEntry> entries;
    entries.reserve(revoked.size());
    for (const auto serial : revoked) {
        entries.push_back(RevokedEntry{serial, this_update, std::nullopt});
    }
    return issue_crl_entries(entries, this_update, next_update, crl_number, rng);
}

CertResult<std::vector<std::uint8_t>> CertificateAuthority::issue_crl_entries(
    std::span<const RevokedEntry> revoked, TimePoint this_update, TimePoint next_update,
    std::uint64_t crl_number, Rng& rng) const {
    if (next_update <= this_update) {
        return unexpected(CertError::InvalidArgument);
    }
    const auto scheme = ca_scheme(m_key.type());
    if (!scheme) {
        return unexpected(scheme.error());
    }
    try {
        const auto alg = detail::botan_algorithm_identifier(*scheme);
        Botan::Extensions exts;
        add_ext<Botan::Cert_Extension::Authority_Key_ID>(exts, false,
                                                         m_cert.impl().cert.subject_key_id());
        add_ext<Botan::Cert_Extension::CRL_Number>(exts, false, static_cast<std::size_t>(crl_number));
        // TBSCertList (RFC 5280 §5.1.2), version v2.
        Botan::secure_vector<std::uint8_t> tbs;
        Botan::DER_Encoder enc(tbs);
        enc.start_cons(Botan::SEQUENCE)
            .encode(std::size_t{1})
            .encode(alg)
            .encode(m_cert.impl().cert.subject_dn())
            .encode(Botan::X509_Time(this_update))
            .encode(Botan::X509_Time(next_update));
        if (!revoked.empty()) {
            enc.start_cons(Botan::SEQUENCE);
            for (const auto& e : revoked) {
                if (e.serial == 0) {
                    return unexpected(CertError::InvalidArgument);
                }
                enc.start_cons(Botan::SEQUENCE)
                    .encode(Botan::BigInt(e.serial))
                    .encode(Botan::X509_Time(e.revoked_at));
                if (e.reason) {
                    // reasonCode (RFC 5280 §5.3.1): an ENUMERATED inside the extnValue.
                    std::vector<std::uint8_t> code;
                    Botan::DER_Encoder(code).encode(static_cast<std::size_t>(*e.reason),
                                                    Botan::ENUMERATED, Botan::UNIVERSAL);
                    enc.start_cons(Botan::SEQUENCE)
                        .start_cons(Botan::SEQUENCE)
                        .encode(Botan::OID("2.5.29.21"))
                        .encode(code, Botan::OCTET_STRING)
                        .end_cons()
                        .end_cons();
                }
                enc.end_cons();
            }
            enc.end_cons();
        }
        enc.start_explicit(0).start_cons(Botan::SEQUENCE).encode(exts).end_cons().end_explicit();
        enc.end_cons();
        detail::BotanRngAdapter brng(rng);
        const auto signer = detail::make_botan_signer(m_key, *scheme, brng);
        return Botan::X509_Object::make_signed(signer.get(), brng, alg, tbs);
    } catch (const std::exception&) {
        return unexpected(CertError::InvalidArgument);
    }
}

CertResult<std::vector<std::uint8_t>> CertificateAuthority::sign_bytes(
    std::span<const std::uint8_t> data, Rng& rng) const {
    const auto scheme = ca_scheme(m_key.type());
    if (!scheme) {
        return unexpected(scheme.error());
    }
    return sign(m_key, *scheme, data, rng);
}

CertResult<void> verify_ca_signature(const Certificate& ca, std::span<const std::uint8_t> data,
                                     std::span<const std::uint8_t> signature) {
    const auto scheme = ca_scheme(ca.public_key().type());
    if (!scheme) {
        return unexpected(scheme.error());
    }
    return verify(ca.public_key(), *scheme, data, signature);
}

namespace detail {

Botan::AlgorithmIdentifier botan_algorithm_identifier(SignatureScheme scheme) {
    const auto der = algorithm_identifier_der(scheme);
    Botan::AlgorithmIdentifier alg;
    Botan::BER_Decoder(der.data(), der.size()).decode(alg).verify_end();
    return alg;
}

}  // namespace detail

std::string der_to_pem(std::span<const std::uint8_t> der, std::string_view label) {
    return Botan::PEM_Code::encode(der.data(), der.size(), std::string(label));
}

}  // namespace ike::crypto
