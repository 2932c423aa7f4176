// The X.509 CertificateVerifier (lib/policy/x509_verifier.hpp) on certificates from lib/crypto's
// CA API: chains with an intermediate, every failure named (RFC 5280 §6, §5), the VerifiedPeer
// fields the engine authorises with, the CERTREQ value (RFC 7296 §3.7) and CRL reloading.
#include "x509_pki.hpp"

#include "crypto/hash.hpp"
#include "ike/events.hpp"
#include "policy/x509_verifier.hpp"

using namespace ike;
using namespace ike::test::x509;
using Chain = std::vector<std::vector<std::uint8_t>>;

namespace {

struct Fixture {
    std::unique_ptr<crypto::Rng> rng = crypto::make_seeded_rng(7);
    CertificateAuthority root = make_root(*rng);
    CertificateAuthority inter = make_intermediate(root, *rng);
    std::shared_ptr<const policy::X509Verifier> verifier = make_verifier(root);

    static std::shared_ptr<const policy::X509Verifier> make_verifier(const CertificateAuthority& ca) {
        auto v = policy::X509Verifier::create(der(ca.certificate()));
        REQUIRE(v);
        return *v;
    }

    AuthFailure failure(const Chain& chain, const RevocationPolicy& rev = {}, Time now = now0()) const {
        const auto r = verifier->verify(chain, rev, now);
        REQUIRE_FALSE(r);
        CHECK_FALSE(r.error().detail.empty());
        return r.error().reason;
    }
};

}  // namespace

TEST_CASE("X509Verifier: a chain through an intermediate verifies and fills VerifiedPeer") {
    Fixture f;
    const auto node = issue(f.inter, *f.rng, node_profile(1, 0x8123), KeyType::EcdsaP256);
    const Chain chain{der(node.cert), der(f.inter.certificate())};
    const auto r = f.verifier->verify(chain, {}, now0());
    REQUIRE(r);
    CHECK(r->dns_names == std::vector<std::string>{"node1.mesh"});
    CHECK(r->addresses == std::vector<IpAddress>{IpAddress::v4(192, 0, 2, 1), *IpAddress::parse("2001:db8::1")});
    CHECK(r->allowed == TrafficSelectors{TrafficSelector::subnet(IpAddress::v4(10, 0, 1, 0), 24),
                                         TrafficSelector::subnet(*IpAddress::parse("fd00:1::"), 48)});
    for (const auto& ts : r->allowed) {
        CHECK(ts.ip_protocol == 0);
        CHECK(ts.start_port == 0);
        CHECK(ts.end_port == 65535);
    }
    // The intermediate expires first (one year), the node after 30 days: the earliest wins.
    CHECK(r->not_after == node.cert.not_after());
    CHECK(r->spki_sha256 == crypto::sha256({node.key->public_key().spki_der()}));
    const auto spki = r->key.spki_der();
    CHECK(std::equal(spki.begin(), spki.end(), node.key->public_key().spki_der().begin(),
                     node.key->public_key().spki_der().end()));
    CHECK(r->serial == std::vector<std::uint8_t>{0x81, 0x23});
    const auto issuer = f.inter.certificate().subject_dn_der();
    CHECK(r->issuer_dn == std::vector<std::uint8_t>(issuer.begin(), issuer.end()));
}

TEST_CASE("X509Verifier: not_after is the earliest of the chain (RFC 5280 §6.1.3)") {
    Fixture f;
    auto p = node_profile(2);
    p.not_after = now0() + 24h * 3000;  // outlives the intermediate; lib/crypto allows it
    const auto node = issue(f.inter, *f.rng, p);
    const auto r = f.verifier->verify(Chain{der(node.cert), der(f.inter.certificate())}, {}, now0());
    REQUIRE(r);
    CHECK(r->not_after == f.inter.certificate().not_after());
}

TEST_CASE("X509Verifier: ca_key_id is the CERTREQ SHA-1 of the CA's SPKI (RFC 7296 §3.7)") {
    Fixture f;
    CHECK(f.verifier->ca_key_id() == crypto::sha1({f.root.certificate().public_key().spki_der()}));
}

TEST_CASE("X509Verifier: the CA certificate must be a CA (bad_ca)") {
    Fixture f;
    const auto node = issue(f.root, *f.rng, node_profile(1));
    CHECK(policy::make_x509_verifier(der(node.cert)).error() == ConfigError::bad_ca);
    CHECK(policy::make_x509_verifier(std::vector<std::uint8_t>{0x30, 0x03, 1, 2, 3}).error() == ConfigError::bad_ca);
    CHECK(policy::make_x509_verifier(der(f.root.certificate())));
}

TEST_CASE("X509Verifier: each CertError becomes its AuthFailure") {
    Fixture f;
    SECTION("RFC 5280 §4.1.2.5: expired") {
        auto p = node_profile(1);
        p.not_before = now0() - 24h * 60;
        p.not_after = now0() - 24h;
        CHECK(f.failure({der(issue(f.root, *f.rng, p).cert)}) == AuthFailure::expired);
    }
    SECTION("RFC 5280 §4.1.2.5: not yet valid") {
        auto p = node_profile(1);
        p.not_before = now0() + 24h;
        p.not_after = now0() + 24h * 60;
        CHECK(f.failure({der(issue(f.root, *f.rng, p).cert)}) == AuthFailure::not_yet_valid);
    }
    SECTION("the verification time matters: valid now, expired later") {
        const Chain chain{der(issue(f.root, *f.rng, node_profile(1)).cert)};
        CHECK(f.verifier->verify(chain, {}, now0()));
        CHECK(f.failure(chain, {}, now0() + 24h * 31) == AuthFailure::expired);
    }
    SECTION("another CA: unknown_ca") {
        auto other = make_root(*f.rng, "other root");
        CHECK(f.failure({der(issue(other, *f.rng, node_profile(1)).cert)}) == AuthFailure::unknown_ca);
    }
    SECTION("intermediate missing: unknown_ca") {
        CHECK(f.failure({der(issue(f.inter, *f.rng, node_profile(1)).cert)}) == AuthFailure::unknown_ca);
    }
    SECTION("a tampered signature: bad_signature") {
        auto bytes = der(issue(f.root, *f.rng, node_profile(1)).cert);
        bytes[bytes.size() - 5] ^= 0x01;  // inside the signature BIT STRING
        CHECK(f.failure({bytes}) == AuthFailure::bad_signature);
    }
    SECTION("RFC 5280 §4.2.1.3: no digitalSignature: bad_key_usage") {
        auto p = node_profile(1);
        p.digital_signature = false;
        CHECK(f.failure({der(issue(f.root, *f.rng, p).cert)}) == AuthFailure::bad_key_usage);
    }
    SECTION("garbage: malformed_certificate") {
        CHECK(f.failure({{0x30, 0x82, 0x01}}) == AuthFailure::malformed_certificate);
        const auto good = der(issue(f.inter, *f.rng, node_profile(1)).cert);
        CHECK(f.failure({good, {0x01, 0x02}}) == AuthFailure::malformed_certificate);
    }
    SECTION("no certificate") {
        CHECK(f.failure({}) == AuthFailure::no_certificate);
    }
    SECTION("RFC 3779 §2.3: blocks outside the issuer's: subnet_not_allowed") {
        auto p = node_profile(1);
        p.ip_blocks = blocks({"192.168.0.0/16"});
        CHECK(f.failure({der(issue(f.root, *f.rng, p).cert)}) == AuthFailure::subnet_not_allowed);
    }
    SECTION("too many certificates: refused before parsing any") {
        const auto leaf = der(issue(f.root, *f.rng, node_profile(1)).cert);
        CHECK(f.failure(Chain(8, leaf)) == AuthFailure::unknown_ca);
        CHECK(f.verifier->cache().size() == 0);
    }
}

TEST_CASE("X509Verifier: every CertError maps to a named AuthFailure with a detail") {
    using E = crypto::CertError;
    const std::pair<E, AuthFailure> table[] = {
        {E::Malformed, AuthFailure::malformed_certificate}, {E::UnsupportedAlgorithm, AuthFailure::unsupported_algorithm},
        {E::SignatureMismatch, AuthFailure::bad_signature}, {E::UnknownCa, AuthFailure::unknown_ca},
        {E::NotACa, AuthFailure::unknown_ca},               {E::ChainTooLong, AuthFailure::unknown_ca},
        {E::Expired, AuthFailure::expired},                 {E::NotYetValid, AuthFailure::not_yet_valid},
        {E::BadKeyUsage, AuthFailure::bad_key_usage},       {E::UnknownCriticalExtension, AuthFailure::malformed_certificate},
        {E::Revoked, AuthFailure::revoked},                 {E::CrlInvalid, AuthFailure::revoked},
        {E::IdentityMismatch, AuthFailure::identity_mismatch}, {E::SubnetNotAllowed, AuthFailure::subnet_not_allowed},
        {E::KeyMismatch, AuthFailure::bad_signature},       {E::HashNotAnnounced, AuthFailure::unsupported_algorithm},
        {E::NoCommonHash, AuthFailure::unsupported_algorithm}, {E::InvalidArgument, AuthFailure::malformed_certificate},
    };
    for (const auto& [e, reason] : table) {
        const auto f = policy::to_verify_failure(e, "CN=x");
        CHECK(f.reason == reason);
        CHECK(f.detail.find("CN=x: ") == 0);
        CHECK(f.detail.find(crypto::to_string(e)) != std::string::npos);
    }
}

TEST_CASE("X509Verifier: repeated handshakes reuse the parsed certificates") {
    Fixture f;
    const auto node = issue(f.inter, *f.rng, node_profile(1));
    const Chain chain{der(node.cert), der(f.inter.certificate())};
    for (int i = 0; i < 5; ++i) REQUIRE(f.verifier->verify(chain, {}, now0()));
    CHECK(f.verifier->cache().misses() == 2);
    CHECK(f.verifier->cache().hits() == 8);
}

TEST_CASE("X509Verifier: CRLs (RFC 5280 §5) are verified once per distinct set, and a new one revokes") {
    Fixture f;
    const auto a = issue(f.root, *f.rng, node_profile(1, 501));
    const auto b = issue(f.root, *f.rng, node_profile(2, 502));
    const auto crl = [&](std::vector<std::uint64_t> serials, std::uint64_t number) {
        auto c = f.root.issue_crl(serials, now0() - 1h, now0() + 24h * 7, number, *f.rng);
        REQUIRE(c);
        return *c;
    };
    RevocationPolicy rev;
    rev.crls = {crl({501}, 1)};
    CHECK(f.failure({der(a.cert)}, rev) == AuthFailure::revoked);
    CHECK(f.verifier->verify(Chain{der(b.cert)}, rev, now0()));
    CHECK(f.verifier->verify(Chain{der(b.cert)}, RevocationPolicy(rev), now0()));  // same bytes, another copy
    CHECK(f.verifier->crl_loads() == 1);

    // A newer CRL also lists node 2: it applies at the next verification.
    rev.crls = {crl({501, 502}, 2)};
    CHECK(f.failure({der(b.cert)}, rev) == AuthFailure::revoked);
    CHECK(f.verifier->crl_loads() == 2);

    // Back to no CRL at all: nothing revoked.
    CHECK(f.verifier->verify(Chain{der(a.cert)}, {}, now0()));
    CHECK(f.verifier->crl_loads() == 3);

    SECTION("an expired CRL stays in force without failing closed; strict_crl_expiry refuses") {
        rev.crls = {crl({501}, 3)};
        CHECK(f.verifier->verify(Chain{der(b.cert)}, rev, now0() + 24h * 8));
        CHECK(f.failure({der(a.cert)}, rev, now0() + 24h * 8) == AuthFailure::revoked);
        rev.strict_crl_expiry = true;
        const auto r = f.verifier->verify(Chain{der(b.cert)}, rev, now0() + 24h * 8);
        REQUIRE_FALSE(r);
        CHECK(r.error().reason == AuthFailure::revoked);
        CHECK(r.error().detail.find("CRL expired") != std::string::npos);
        CHECK(f.verifier->verify(Chain{der(b.cert)}, rev, now0()));  // still current
    }
    SECTION("check_crls: each CRL parsed and signed by the CA or a known intermediate, with its number") {
        const auto checked = f.verifier->check_crls(rev);
        REQUIRE(checked);
        REQUIRE(checked->size() == 1);
        CHECK(checked->front().number == 2);
        CHECK(checked->front().by_ca);
        CHECK(checked->front().next_update == now0() + 24h * 7);
        auto mid = f.inter.issue_crl(std::vector<std::uint64_t>{}, now0() - 1h, now0() + 24h, 1, *f.rng);
        REQUIRE(mid);
        RevocationPolicy p;
        p.crls = {*mid};
        CHECK(f.verifier->check_crls(p).error() == ConfigError::bad_crl);  // not known yet
        f.verifier->learn_intermediates(Chain{der(a.cert), der(f.inter.certificate())});
        const auto known = f.verifier->check_crls(p);
        REQUIRE(known);
        CHECK_FALSE(known->front().by_ca);
        p.crls.push_back({0x30, 0x00});
        CHECK(f.verifier->check_crls(p).error() == ConfigError::bad_crl);
    }
    SECTION("a CRL from another CA is refused, and keeps failing without being re-verified") {
        auto other = make_root(*f.rng, "other root");
        auto bad = other.issue_crl(std::vector<std::uint64_t>{}, now0() - 1h, now0() + 24h, 1, *f.rng);
        REQUIRE(bad);
        rev.crls = {*bad};
        CHECK(f.failure({der(b.cert)}, rev) == AuthFailure::revoked);
        CHECK(f.failure({der(b.cert)}, rev) == AuthFailure::revoked);
        CHECK(f.verifier->crl_loads() == 4);
    }
    SECTION("an unparsable CRL fails closed") {
        rev.crls = {{0x30, 0x00}};
        CHECK(f.failure({der(b.cert)}, rev) == AuthFailure::revoked);
    }
}

TEST_CASE("check_own_credentials: our certificate must hold our key") {
    Fixture f;
    const auto node = issue(f.root, *f.rng, node_profile(1));
    const auto other = issue(f.root, *f.rng, node_profile(2));
    Credentials c;
    c.certificate_chain = {der(node.cert)};
    c.private_key = node.key;
    CHECK(policy::check_own_credentials(c));
    c.private_key = other.key;
    CHECK(policy::check_own_credentials(c).error() == ConfigError::key_mismatch);
    c.certificate_chain = {{0x30, 0x01, 0x00}};
    CHECK(policy::check_own_credentials(c).error() == ConfigError::bad_certificate);
}

TEST_CASE("X509Verifier::recheck: revocation from the kept PeerFacts alone - each certificate by its issuer's key and serial (issue 14)") {
    Fixture f;
    const auto node = issue(f.inter, *f.rng, node_profile(1, 0x8123), KeyType::Ed25519);
    const auto r = f.verifier->verify(Chain{der(node.cert), der(f.inter.certificate())}, {}, now0());
    REQUIRE(r);
    // The path: the node under the intermediate's key, the intermediate under the CA's.
    REQUIRE(r->path.size() == 2);
    CHECK(r->path[0].issuer_spki_sha256 == f.inter.certificate().spki_sha256());
    CHECK(r->path[0].serial == std::vector<std::uint8_t>{0x81, 0x23});
    CHECK(r->path[1].issuer_spki_sha256 == f.root.certificate().spki_sha256());
    CHECK(r->path[1].serial == f.inter.certificate().serial());
    const PeerFacts kept = *r;  // what the Endpoint keeps: no certificate, no key
    const auto reason = [&](const RevocationPolicy& rev, Time now = now0()) {
        const auto ok = f.verifier->recheck(kept, rev, now);
        REQUIRE_FALSE(ok);
        CHECK_FALSE(ok.error().detail.empty());
        return ok.error().reason;
    };
    CHECK(f.verifier->recheck(kept, {}, now0()));
    CHECK(reason({}, kept.not_after + 1s) == AuthFailure::expired);
    // The intermediate's CRL listing the node (it learned the intermediate from the chain).
    auto by_inter = f.inter.issue_crl(std::vector<std::uint64_t>{0x8123}, now0() - 1h, now0() + 24h, 1, *f.rng);
    REQUIRE(by_inter);
    RevocationPolicy rev;
    rev.crls = {*by_inter};
    CHECK(reason(rev) == AuthFailure::revoked);
    // The same serial on the CA's CRL is another certificate (the CA did not issue the node).
    auto by_root = f.root.issue_crl(std::vector<std::uint64_t>{0x8123}, now0() - 1h, now0() + 24h, 1, *f.rng);
    REQUIRE(by_root);
    rev.crls = {*by_root};
    CHECK(f.verifier->recheck(kept, rev, now0()));
    // The CA's CRL listing the intermediate revokes the node through its path.
    const auto inter_serial = f.inter.certificate().serial();
    std::uint64_t s = 0;
    for (const auto o : inter_serial) s = s << 8 | o;
    auto inter_revoked = f.root.issue_crl(std::vector<std::uint64_t>{s}, now0() - 1h, now0() + 24h, 2, *f.rng);
    REQUIRE(inter_revoked);
    rev.crls = {*inter_revoked};
    CHECK(reason(rev) == AuthFailure::revoked);
    // Expired CRLs: tolerated (still in force, nothing listed here), refused when strict.
    rev.crls = {*by_root};
    CHECK(f.verifier->recheck(kept, rev, now0() + 25h));
    rev.strict_crl_expiry = true;
    CHECK(reason(rev, now0() + 25h) == AuthFailure::revoked);
}

TEST_CASE("X509Verifier::recheck: a peer verified under another CA is unknown_ca - facts without a path too") {
    Fixture f;
    const auto node = issue(f.root, *f.rng, node_profile(1, 77));
    const auto r = f.verifier->verify(Chain{der(node.cert)}, {}, now0());
    REQUIRE(r);
    const PeerFacts kept = *r;
    CHECK(f.verifier->recheck(kept, {}, now0()));
    const auto other = Fixture::make_verifier(make_root(*f.rng, "other root"));
    const auto moved = other->recheck(kept, {}, now0());
    REQUIRE_FALSE(moved);
    CHECK(moved.error().reason == AuthFailure::unknown_ca);
    PeerFacts bare = kept;
    bare.path.clear();
    const auto no_path = f.verifier->recheck(bare, {}, now0());
    REQUIRE_FALSE(no_path);
    CHECK(no_path.error().reason == AuthFailure::unknown_ca);
}
