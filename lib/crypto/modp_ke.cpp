// MODP Diffie-Hellman (RFC 3526 groups 14, 15, 16) with the modular exponentiation done directly
// on Botan::BigInt: Botan 2's PK_Key_Agreement costs ~2.3 ms just to construct (key validation
// and blinding setup), which a handshake-rate-bound responder cannot afford. The peer's value is
// checked as RFC 6989 §2.1 requires (1 < y < p-1); the groups are safe primes, so the range
// check is the whole check (RFC 6989 §2.2).
#include "crypto/ke_groups.hpp"


#include <botan/bigint.h>
#include <botan/dl_group.h>
#include <botan/monty.h>
#include <botan/pow_mod.h>

#include <array>

namespace ike::crypto::detail {
namespace {

struct ModpGroup {
    KeId id;
    Botan::BigInt p;
    Botan::BigInt p_minus_1;
    Botan::BigInt g;
    std::size_t bytes;
    // Private exponent size: RFC 3526 §8's larger ("exponent size 2") estimate, rounded to whole
    // octets, so the work stays well below a full-size exponent without weakening the group.
    std::size_t exponent_bits;
    Botan::Fixed_Base_Power_Mod g_pow;  // precomputed window table for g; copied per use
    // Montgomery parameters of p, computed once: building them costs ~300 µs for 2048 bits, a
    // quarter of a whole y^x when Botan::Power_Mod rebuilds them on every call.
    std::shared_ptr<const Botan::Montgomery_Params> monty;
};

// y^e mod p with a fixed 4-bit window in Montgomery form. The exponent's length is public (our
// exponents have their top bit set) and each window's table entry is selected in constant time.
Botan::BigInt modexp(const Botan::Montgomery_Params& mp, const Botan::BigInt& y, const Botan::BigInt& e) {
    constexpr std::size_t kWindow = 4;
    Botan::secure_vector<Botan::word> ws;
    std::array<Botan::BigInt, 1 << kWindow> table;
    table[0] = mp.R1();                    // 1 in Montgomery form
    table[1] = mp.mul(y, mp.R2(), ws);     // y * R mod p
    for (std::size_t i = 2; i < table.size(); ++i) {
        table[i] = mp.mul(table[i - 1], table[1], ws);
    }
    for (auto& t : table) {
        t.grow_to(mp.p_words());
    }
    Botan::BigInt x = mp.R1();
    Botan::BigInt selected;
    selected.grow_to(mp.p_words());
    const std::size_t windows = (e.bits() + kWindow - 1) / kWindow;
    for (std::size_t w = windows; w-- > 0;) {
        for (std::size_t i = 0; i < kWindow; ++i) {
            mp.square_this(x, ws);
        }
        const std::uint32_t nibble = e.get_substring(w * kWindow, kWindow);
        for (std::size_t i = 0; i < table.size(); ++i) {
            selected.ct_cond_assign(i == nibble, table[i]);
        }
        mp.mul_by(x, selected, ws);
    }
    Botan::BigInt z = mp.redc(x, ws);  // out of Montgomery form
    for (auto& t : table) {
        t.clear();
    }
    x.clear();
    selected.clear();
    return z;
}

const ModpGroup* modp_group(KeId id) {
    auto make = [](KeId gid, const char* name, std::size_t exp_bits) {
        Botan::DL_Group dl(name);
        return ModpGroup{gid,      dl.get_p(), dl.get_p() - 1, dl.get_g(), dl.get_p().bytes(),
                         exp_bits, Botan::Fixed_Base_Power_Mod(dl.get_g(), dl.get_p()),
                         std::make_shared<const Botan::Montgomery_Params>(dl.get_p())};
    };
    switch (id) {
        case KeId::Modp2048: {
            static const ModpGroup g = make(id, "modp/ietf/2048", 320);
            return &g;
        }
        case KeId::Modp3072: {
            static const ModpGroup g = make(id, "modp/ietf/3072", 424);
            return &g;
        }
        case KeId::Modp4096: {
            static const ModpGroup g = make(id, "modp/ietf/4096", 480);
            return &g;
        }
        default:
            return nullptr;
    }
}

SecureBytes encode_fixed(const Botan::BigInt& n, std::size_t len) {
    SecureBytes out(len);
    Botan::BigInt::encode_1363(out.data(), out.size(), n);
    return out;
}

class ModpKeyExchange final : public KeyExchange {
public:
    ModpKeyExchange(const ModpGroup& group, Botan::BigInt x)
        : m_group(group), m_x(std::move(x)) {
        Botan::Power_Mod g_pow(m_group.g_pow);  // the shared table is read-only; the copy holds e
        g_pow.set_exponent(m_x);
        const Botan::BigInt y = g_pow.execute();
        m_public.resize(m_group.bytes);
        Botan::BigInt::encode_1363(m_public.data(), m_public.size(), y);
    }
    ~ModpKeyExchange() override { m_x.clear(); }

    KeId group() const noexcept override { return m_group.id; }
    std::span<const std::uint8_t> public_value() const noexcept override { return m_public; }

    CryptoResult<SharedSecret> shared_secret(std::span<const std::uint8_t> peer) override {
        // RFC 7296 §3.4: the value is exactly as long as the prime.
        if (peer.size() != m_group.bytes) {
            return unexpected(CryptoError::PublicValueLength);
        }
        try {
            const Botan::BigInt y(peer.data(), peer.size());
            if (y <= 1 || y >= m_group.p_minus_1) {
                return unexpected(CryptoError::PublicValueOutOfRange);
            }
            Botan::BigInt z = modexp(*m_group.monty, y, m_x);
            SharedSecret secret(encode_fixed(z, m_group.bytes));
            z.clear();
            return secret;
        } catch (const std::exception&) {
            return unexpected(CryptoError::InternalError);
        }
    }

private:
    const ModpGroup& m_group;
    Botan::BigInt m_x;
    std::vector<std::uint8_t> m_public;
};

}  // namespace

CryptoResult<std::unique_ptr<KeyExchange>> make_modp_ke(KeId id, std::span<const std::uint8_t> private_value, Rng& rng) {
    try {
        const ModpGroup* group = modp_group(id);
        if (group == nullptr) {
            return unexpected(CryptoError::UnsupportedTransform);
        }
        Botan::BigInt x;
        if (private_value.empty()) {
            SecureBytes raw(group->exponent_bits / 8);
            rng.fill(raw);
            raw[0] |= 0x80;  // fixed exponent length: the ladder's running time does not vary
            x = Botan::BigInt(raw.data(), raw.size());
        } else {
            x = Botan::BigInt(private_value.data(), private_value.size());
            if (x <= 1 || x >= group->p_minus_1) {
                return unexpected(CryptoError::InvalidKeyLength);
            }
        }
        return std::unique_ptr<KeyExchange>(std::make_unique<ModpKeyExchange>(*group, std::move(x)));
    } catch (const std::exception&) {
        return unexpected(CryptoError::InternalError);
    }
}

}  // namespace ike::crypto::detail
