// Names for every wire enum ("ENCR_AES_GCM_16", "NAT_DETECTION_SOURCE_IP", "IKE_SA_INIT")
// and fmt formatters that print the name, or the number when the value has no name.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "wire/error.hpp"
#include "wire/exchange_table.hpp"
#include "wire/notify_types.hpp"
#include "wire/types.hpp"

namespace ike::wire {

// Empty when the value has no name.
std::string_view to_string(PayloadType v);
std::string_view to_string(ExchangeType v);
std::string_view to_string(ProtocolId v);
std::string_view to_string(TransformType v);
std::string_view to_string(EncrId v);
std::string_view to_string(PrfId v);
std::string_view to_string(IntegId v);
std::string_view to_string(KeGroup v);
std::string_view to_string(EsnId v);
std::string_view to_string(AttributeType v);
std::string_view to_string(IdType v);
std::string_view to_string(CertEncoding v);
std::string_view to_string(AuthMethod v);
std::string_view to_string(TsType v);
std::string_view to_string(CfgType v);
std::string_view to_string(CfgAttributeType v);
std::string_view to_string(HashAlgorithm v);
std::string_view to_string(NotifyType v);
std::string_view to_string(DecodeRule v);
std::string_view to_string(ExchangeRule v);
std::string_view to_string(Reaction v);

// The name of a transform ID, which depends on the transform type.
std::string_view transform_id_name(TransformType type, std::uint16_t id);

template <typename E>
concept NamedEnum = std::is_enum_v<E> && requires(E e) {
    { to_string(e) } -> std::same_as<std::string_view>;
};

// The name of a NamedEnum, looked up from this namespace: the enums' to_string overloads live
// here while some enums (IdType) live in ike::, where argument-dependent lookup alone would find
// other to_string functions that return a temporary std::string.
template <NamedEnum E>
std::string_view enum_name(E e) {
    return to_string(e);
}

}  // namespace ike::wire

template <ike::wire::NamedEnum E>
struct fmt::formatter<E> : fmt::formatter<std::string_view> {
    template <typename Ctx>
    auto format(E e, Ctx& ctx) const {
        const std::string_view name = ike::wire::enum_name(e);
        if (name.empty())
            return fmt::format_to(ctx.out(), "{}", static_cast<long>(static_cast<std::underlying_type_t<E>>(e)));
        return fmt::formatter<std::string_view>::format(name, ctx);
    }
};
