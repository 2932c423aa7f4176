// XfrmError: classification of kernel errors and their one-line description.
#include "xfrm/error.hpp"

#include <cerrno>
#include <cstring>

namespace meshd::xfrm {

const char* to_string(Operation op) {
    switch (op) {
        case Operation::open_socket: return "open_socket";
        case Operation::add_sa: return "add_sa";
        case Operation::update_sa: return "update_sa";
        case Operation::delete_sa: return "delete_sa";
        case Operation::get_sa: return "get_sa";
        case Operation::dump_sa: return "dump_sa";
        case Operation::add_policy: return "add_policy";
        case Operation::update_policy: return "update_policy";
        case Operation::delete_policy: return "delete_policy";
        case Operation::get_policy: return "get_policy";
        case Operation::dump_policy: return "dump_policy";
        case Operation::alloc_spi: return "alloc_spi";
        case Operation::monitor: return "monitor";
    }
    return "?";
}

XfrmError kernel_error(Operation op, std::string object, int errnum, std::string ext_ack) {
    XfrmError e{ErrorKind::kernel, op, std::move(object), errnum, std::move(ext_ack)};
    const bool installs_sa = op == Operation::add_sa || op == Operation::update_sa;
    // Without esp4/esp6 the kernel finds no xfrm_type for IPPROTO_ESP: EPROTONOSUPPORT,
    // "Requested type not found". A missing cipher fails earlier with ENOSYS.
    if (installs_sa && errnum == EPROTONOSUPPORT) {
        e.kind = ErrorKind::no_esp;
    } else if (installs_sa && errnum == ENOSYS) {
        e.kind = ErrorKind::no_algorithm;
    }
    return e;
}

std::string XfrmError::message() const {
    std::string out = to_string(operation);
    if (!object.empty()) {
        out += " " + object;
    }
    out += ": ";
    switch (kind) {
        case ErrorKind::no_esp: out += "this kernel has no ESP support"; break;
        case ErrorKind::no_algorithm: out += "this kernel lacks the requested algorithm"; break;
        case ErrorKind::system: out += "socket error"; break;
        case ErrorKind::protocol: out += "unexpected reply from the kernel"; break;
        case ErrorKind::kernel: out += "refused by the kernel"; break;
    }
    std::string detail = ext_ack;
    if (errnum != 0) {
        if (!detail.empty()) {
            detail += ", ";
        }
        detail += std::strerror(errnum);
        detail += " (errno " + std::to_string(errnum) + ")";
    }
    if (!detail.empty()) {
        out += " (" + detail + ")";
    }
    return out;
}

}  // namespace meshd::xfrm
