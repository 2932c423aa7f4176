// Conversions between the typed values of types.hpp and the kernel's structs of <linux/xfrm.h>.
// Shared by the builders (messages.cpp) and the parser (parse.cpp); internal to meshd_xfrm.
#pragma once

#include <linux/xfrm.h>

#include <cstring>

#include "xfrm/types.hpp"

namespace meshd::xfrm::detail {

// Kernel structs have padding; every one we send starts as all-zero bytes, as iproute2's do.
template <typename T>
T zeroed() {
    T value;
    std::memset(&value, 0, sizeof value);
    return value;
}

xfrm_address_t to_kernel(const Address& a);
Address from_kernel(const xfrm_address_t& a, std::uint16_t family);

xfrm_selector to_kernel(const Selector& s);
Selector from_kernel(const xfrm_selector& s);

xfrm_lifetime_cfg to_kernel(const Lifetime& l);
Lifetime from_kernel(const xfrm_lifetime_cfg& l);
Counters from_kernel(const xfrm_lifetime_cur& c);

xfrm_mark to_kernel(const Mark& m);

xfrm_user_tmpl to_kernel(const Template& t, Family fallback);
Template from_kernel(const xfrm_user_tmpl& t);

// The SA's fixed header (everything but the attributes).
xfrm_usersa_info to_kernel_info(const Sa& sa);
// The fixed-header part of an SA; attributes fill the rest.
void from_kernel_info(const xfrm_usersa_info& info, SaInfo& out);

xfrm_userpolicy_info to_kernel_info(const Policy& p);
void from_kernel_info(const xfrm_userpolicy_info& info, PolicyInfo& out);

}  // namespace meshd::xfrm::detail
