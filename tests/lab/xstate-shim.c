// Preloaded into linux.uml by uml-run. User-mode Linux restores each guest process's FPU state
// with PTRACE_SETREGSET(NT_X86_XSTATE) from its own buffer, which on some hosts (AMX, or an XSAVE
// area larger than UML's buffer) is smaller than the host's XSAVE size; the host kernel refuses
// any other size (EFAULT) and UML kills the process (fatal_sigsegv: the guest's init dies at its
// first exec). Here a short SETREGSET becomes a full-size one: the tracee's current state is read
// in full, UML's bytes are laid over it, and every component that lies beyond UML's buffer keeps
// the tracee's own value (XSTATE_BV bit and data), so nothing is reset behind a guest program's
// back. Where UML's buffer already has the host's size, every call passes through untouched.
#define _GNU_SOURCE
#include <cpuid.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

enum { xsave_header = 512, max_xsave = 64 * 1024 };

typedef long (*ptrace_fn)(int, pid_t, void*, void*);
static ptrace_fn real_ptrace;
// Static, not on the stack: UML calls ptrace from its own small kernel stacks, one at a time.
static unsigned char full[max_xsave];
static uint64_t within_mask;     // components that lie inside UML's buffer, for within_len
static size_t within_len;
static int reported;
static int must_pad;             // the host refused UML's size once: pad every call from then on

// XSAVE components 2..62 that end inside the first `len` bytes of the standard format
// (CPUID leaf 0xD, sub-leaf i: EAX size, EBX offset); x87 and SSE live in the legacy area.
static uint64_t components_within(size_t len) {
    uint64_t mask = len >= xsave_header ? 0x3 : 0;
    unsigned a, b, c, d;
    __cpuid_count(0xd, 0, a, b, c, d);
    const uint64_t supported = ((uint64_t)d << 32) | a;
    for (unsigned i = 2; i < 63; ++i) {
        if (!(supported & (1ull << i))) continue;
        __cpuid_count(0xd, i, a, b, c, d);
        if (a != 0 && (uint64_t)b + a <= len) mask |= 1ull << i;
    }
    return mask;
}

static void report(size_t uml_len, size_t host_len) {
    if (reported) return;
    reported = 1;
    // No stdio (it allocates inside UML's process): uml-run reads the line back and says so once.
    const char* path = getenv("LAB_XSTATE_LOG");
    if (path == NULL) return;
    char line[64];
    const int n = snprintf(line, sizeof line, "%zu %zu\n", uml_len, host_len);
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    if (n > 0 && write(fd, line, (size_t)n) < 0) { /* a lost note is not worth failing a guest */ }
    close(fd);
}

static long padded_setregset(pid_t pid, void* addr, const struct iovec* uml) {
    struct iovec probe = {full, sizeof full};
    if (real_ptrace(PTRACE_GETREGSET, pid, addr, &probe) != 0) return -1;
    if (probe.iov_len <= uml->iov_len || uml->iov_len < xsave_header + 16)
        return real_ptrace(PTRACE_SETREGSET, pid, addr, (void*)uml);  // nothing to pad
    if (within_len != uml->iov_len) {
        within_mask = components_within(uml->iov_len);
        within_len = uml->iov_len;
    }
    uint64_t current_bv, uml_bv;
    memcpy(&current_bv, full + xsave_header, 8);
    memcpy(&uml_bv, (const unsigned char*)uml->iov_base + xsave_header, 8);
    memcpy(full, uml->iov_base, uml->iov_len);
    const uint64_t bv = (uml_bv & within_mask) | (current_bv & ~within_mask);
    memcpy(full + xsave_header, &bv, 8);
    report(uml->iov_len, probe.iov_len);
    struct iovec padded = {full, probe.iov_len};
    return real_ptrace(PTRACE_SETREGSET, pid, addr, &padded);
}

long ptrace(enum __ptrace_request request, ...) {
    va_list ap;
    va_start(ap, request);
    pid_t pid = va_arg(ap, pid_t);
    void* addr = va_arg(ap, void*);
    void* data = va_arg(ap, void*);
    va_end(ap);
    if (!real_ptrace) real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
    if (request != PTRACE_SETREGSET || (uintptr_t)addr != NT_X86_XSTATE || data == NULL)
        return real_ptrace(request, pid, addr, data);
    if (!must_pad) {
        const long rc = real_ptrace(request, pid, addr, data);
        if (rc == 0 || (errno != EFAULT && errno != EINVAL)) return rc;  // the host took UML's size
        must_pad = 1;
    }
    return padded_setregset(pid, addr, (const struct iovec*)data);
}
