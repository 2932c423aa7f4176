// Test only (uml-run with LAB_XSTATE_EMULATE=LEN): makes linux.uml on this host behave as on a
// host whose XSAVE area is larger than UML's FPU buffer (AMX): every PTRACE_GETREGSET and
// PTRACE_SETREGSET(NT_X86_XSTATE) that UML makes is cut to LEN bytes before it goes on, to
// xstate-shim.so when that is preloaded after this, else to the kernel. Without the shim the
// guest must then die at its first exec, as it does on such hosts; with it, it must work.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

typedef long (*ptrace_fn)(int, pid_t, void*, void*);

long ptrace(enum __ptrace_request request, ...) {
    va_list ap;
    va_start(ap, request);
    pid_t pid = va_arg(ap, pid_t);
    void* addr = va_arg(ap, void*);
    void* data = va_arg(ap, void*);
    va_end(ap);
    static ptrace_fn next;
    static size_t len;
    if (!next) {
        next = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
        const char* s = getenv("LAB_XSTATE_EMULATE");
        len = s ? strtoul(s, NULL, 10) : 0;
    }
    if ((request == PTRACE_GETREGSET || request == PTRACE_SETREGSET) && (uintptr_t)addr == NT_X86_XSTATE &&
        data != NULL && len != 0) {
        struct iovec* iov = data;
        if (iov->iov_len > len) {
            struct iovec cut = {iov->iov_base, len};
            const long rc = next(request, pid, addr, &cut);
            if (request == PTRACE_GETREGSET && rc == 0) iov->iov_len = cut.iov_len;
            return rc;
        }
    }
    return next(request, pid, addr, data);
}
