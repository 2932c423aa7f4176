// ECDH over the NIST prime curves as IKEv2 groups 19, 20, 21 (RFC 5903). The KE data is x || y,
// each coordinate padded to the field size, with no 0x04 prefix (RFC 5903 §7); the shared secret
// is the x coordinate of the product (RFC 5903 §7). The peer's point must be on the curve and not
// the identity (RFC 6989 §2.3); the cofactor is 1, so that suffices.
#include "crypto/ke_groups.hpp"

#include "crypto/botan_rng.hpp"

#include <botan/bigint.h>
#include <botan/ec_group.h>
#include <botan/point_gfp.h>


namespace ike::crypto::detail {
namespace {

const Botan::EC_Group* ec_group(KeId id) {
    switch (id) {
        case KeId::Ecp256: {
            static const Botan::EC_Group g("secp256r1");
            return &g;
        }
        case KeId::Ecp384: {
            static const Botan::EC_Group g("secp384r1");
            return &g;
        }
        case KeId::Ecp521: {
            static const Botan::EC_Group g("secp521r1");
            return &g;
        }
        default:
            return nullptr;
    }
}

class EcpKeyExchange final : public KeyExchange {
public:
    EcpKeyExchange(KeId id, const Botan::EC_Group& group, Botan::BigInt x, std::unique_ptr<Rng> blinding)
        : m_id(id), m_group(group), m_x(std::move(x)), m_blinding(std::move(blinding)) {
        BotanRngAdapter rng(*m_blinding);
        std::vector<Botan::BigInt> ws;
        const Botan::PointGFp pub = m_group.blinded_base_point_multiply(m_x, rng, ws);
        const std::size_t len = m_group.get_p_bytes();
        m_public.resize(2 * len);
        Botan::BigInt::encode_1363(m_public.data(), len, pub.get_affine_x());
        Botan::BigInt::encode_1363(m_public.data() + len, len, pub.get_affine_y());
    }
    ~EcpKeyExchange() override { m_x.clear(); }

    KeId group() const noexcept override { return m_id; }
    std::span<const std::uint8_t> public_value() const noexcept override { return m_public; }

    CryptoResult<SharedSecret> shared_secret(std::span<const std::uint8_t> peer) override {
        const std::size_t len = m_group.get_p_bytes();
        if (peer.size() != 2 * len) {
            return unexpected(CryptoError::PublicValueLength);
        }
        try {
            const Botan::BigInt px(peer.data(), len);
            const Botan::BigInt py(peer.data() + len, len);
            if (px >= m_group.get_p() || py >= m_group.get_p()) {
                return unexpected(CryptoError::PointNotOnCurve);
            }
            const Botan::PointGFp point = m_group.point(px, py);
            if (point.is_zero()) {
                return unexpected(CryptoError::PointAtInfinity);
            }
            if (!point.on_the_curve()) {
                return unexpected(CryptoError::PointNotOnCurve);
            }
            BotanRngAdapter rng(*m_blinding);
            std::vector<Botan::BigInt> ws;
            const Botan::PointGFp product = m_group.blinded_var_point_multiply(point, m_x, rng, ws);
            if (product.is_zero()) {
                return unexpected(CryptoError::PointAtInfinity);
            }
            SecureBytes z(len);
            Botan::BigInt::encode_1363(z.data(), z.size(), product.get_affine_x());
            return SharedSecret(std::move(z));
        } catch (const std::exception&) {
            return unexpected(CryptoError::InternalError);
        }
    }

private:
    KeId m_id;
    const Botan::EC_Group& m_group;
    Botan::BigInt m_x;
    std::unique_ptr<Rng> m_blinding;  // seeded from the injected Rng: blinding stays reproducible
    std::vector<std::uint8_t> m_public;
};

}  // namespace

CryptoResult<std::unique_ptr<KeyExchange>> make_ecp_ke(KeId id, std::span<const std::uint8_t> private_value, Rng& rng) {
    try {
        const Botan::EC_Group* group = ec_group(id);
        if (group == nullptr) {
            return unexpected(CryptoError::UnsupportedTransform);
        }
        auto blinding = make_child_rng(rng);

        Botan::BigInt x;
        if (private_value.empty()) {
            BotanRngAdapter adapter(rng);
            x = group->random_scalar(adapter);
        } else {
            x = Botan::BigInt(private_value.data(), private_value.size());
            if (x.is_zero() || x >= group->get_order()) {
                return unexpected(CryptoError::InvalidKeyLength);
            }
        }
        return std::unique_ptr<KeyExchange>(
            std::make_unique<EcpKeyExchange>(id, *group, std::move(x), std::move(blinding)));
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

}  // namespace ike::crypto::detail
