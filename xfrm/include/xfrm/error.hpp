// The one error type of the kernel programmer: which operation on which object failed, the
// errno and the kernel's extended-ack text, with the few cases worth a clearer word singled out.
#pragma once

#include <string>

#include <meshd/expected.hpp>

namespace meshd::xfrm {

enum class Operation {
    open_socket,
    add_sa,
    update_sa,
    delete_sa,
    get_sa,
    dump_sa,
    add_policy,
    update_policy,
    delete_policy,
    get_policy,
    dump_policy,
    alloc_spi,
    monitor,
};

const char* to_string(Operation op);

enum class ErrorKind {
    kernel,         // the kernel refused the request (errno + ext-ack text)
    no_esp,         // the kernel has no ESP at all (EPROTONOSUPPORT on SA add)
    no_algorithm,   // the kernel lacks the requested crypto algorithm (ENOSYS on SA add)
    system,         // a socket call failed
    protocol,       // the kernel's reply did not make sense (bad length, sequence, type)
};

struct XfrmError {
    ErrorKind kind = ErrorKind::kernel;
    Operation operation = Operation::open_socket;
    std::string object;   // a description of the SA or policy concerned
    int errnum = 0;       // positive errno, 0 if none
    std::string ext_ack;  // the kernel's NETLINK_EXT_ACK message, if it sent one

    // One line for a human: "add_sa esp spi 0x1000 192.0.2.1->192.0.2.2: this kernel has no
    // ESP support (Requested type not found, errno 93)".
    std::string message() const;
};

// Classifies a kernel error for an operation (EPROTONOSUPPORT on SA add -> no_esp, ...).
XfrmError kernel_error(Operation op, std::string object, int errnum, std::string ext_ack);

template <typename T>
using Result = meshd::Expected<T, XfrmError>;

}  // namespace meshd::xfrm
