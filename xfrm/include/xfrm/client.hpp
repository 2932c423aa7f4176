// The typed API over a request Socket: SAs, policies, SPI allocation and the ownership-aware
// flush. Each call builds a message (messages.hpp), transacts it and parses the reply.
#pragma once

#include <cstddef>
#include <vector>

#include "xfrm/error.hpp"
#include "xfrm/socket.hpp"
#include "xfrm/types.hpp"

namespace meshd::xfrm {

struct FlushReport {
    std::size_t sas_deleted = 0;
    std::size_t policies_deleted = 0;
    std::size_t sas_kept = 0;  // other software's
    std::size_t policies_kept = 0;
};

class Client {
public:
    static Result<Client> open(Ownership ownership = {});
    explicit Client(Socket socket, Ownership ownership = {});

    Result<void> add_sa(const Sa& sa);
    Result<void> update_sa(const Sa& sa);
    Result<void> delete_sa(const SaId& id);
    Result<SaInfo> get_sa(const SaId& id);
    Result<std::vector<SaInfo>> dump_sas();

    Result<void> add_policy(const Policy& policy);
    Result<void> update_policy(const Policy& policy);
    Result<void> delete_policy(const PolicyId& id);
    Result<PolicyInfo> get_policy(const PolicyId& id);
    Result<std::vector<PolicyInfo>> dump_policies();

    // A larval SA with a fresh SPI in [min, max]; returns the SPI (host byte order).
    Result<std::uint32_t> alloc_spi(const SpiRequest& request);

    // Dumps, then deletes only what `ownership()` says is ours: never XFRM_MSG_FLUSHSA or
    // FLUSHPOLICY, which would remove other software's state too.
    Result<FlushReport> flush_ours();
    Result<std::vector<SaInfo>> dump_our_sas();
    Result<std::vector<PolicyInfo>> dump_our_policies();

    const Ownership& ownership() const { return m_ownership; }

private:
    Result<void> command(Message message, Operation op, const std::string& object);

    Socket m_socket;
    Ownership m_ownership;
};

}  // namespace meshd::xfrm
