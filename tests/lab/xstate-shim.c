// Preloaded into linux.uml by uml-run. User-mode Linux saves and restores each guest process's
// FPU state with PTRACE_GETREGSET/SETREGSET(NT_X86_XSTATE) through a buffer of its own size; on
// hosts whose XSAVE area is larger (AMX) the host kernel refuses a SETREGSET of any other size
// (EFAULT) and UML kills the process (fatal_sigsegv: the guest's init dies at its first exec).
// Here, once UML's buffer is seen to be short, each GETREGSET reads the tracee's whole state and
// keeps it (per tracee pid) while UML gets its part; the next SETREGSET for that pid lays UML's
// bytes over the kept state and writes it whole. Components beyond UML's buffer thus keep the
// values the process had when it stopped, even though UML makes the host deliver signals to its
// stub inside the tracee meanwhile (page faults), which resets the live FPU state. Threads of one
// guest process share one host process: between them that tail is shared (uml-run tells the
// guest's libraries not to use AVX-512 on such hosts). Where UML's buffer has the host's size,
// every call passes through untouched.
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
static size_t host_len;          // the host's XSAVE regset size, learned at the first call
static size_t within_len;        // UML's buffer size that within_mask was computed for
static uint64_t within_mask;     // components that lie wholly inside UML's buffer
static int reported;

// The whole state of a tracee as of its last GETREGSET. Static, not on the stack: UML calls
// ptrace from its own small kernel stacks, one call at a time. A pid not found here (a new
// process, or a slot reused) falls back to the tracee's live state.
enum { slots = 64 };
static struct {
    pid_t pid;
    unsigned char state[max_xsave];
} kept[slots];
static unsigned char scratch[max_xsave];

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

static void report(size_t uml_len) {
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

static long get_whole(pid_t pid, void* addr, unsigned char* into) {
    struct iovec whole = {into, max_xsave};
    const long rc = real_ptrace(PTRACE_GETREGSET, pid, addr, &whole);
    if (rc == 0 && host_len == 0) host_len = whole.iov_len;
    return rc;
}

// UML's GETREGSET with a short buffer: read the whole state into the pid's slot, hand UML its part.
static long short_get(pid_t pid, void* addr, struct iovec* uml) {
    unsigned char* slot = kept[pid % slots].state;
    kept[pid % slots].pid = 0;
    const long rc = get_whole(pid, addr, slot);
    if (rc != 0) return rc;
    kept[pid % slots].pid = pid;
    memcpy(uml->iov_base, slot, uml->iov_len);
    return 0;
}

// UML's SETREGSET with a short buffer: its bytes over the kept (or live) state, written whole.
static long short_set(pid_t pid, void* addr, const struct iovec* uml) {
    unsigned char* base = kept[pid % slots].state;
    if (kept[pid % slots].pid != pid) {
        base = scratch;
        if (get_whole(pid, addr, base) != 0) return -1;
    }
    if (within_len != uml->iov_len) {
        within_mask = components_within(uml->iov_len);
        within_len = uml->iov_len;
    }
    uint64_t kept_bv, uml_bv;
    memcpy(&kept_bv, base + xsave_header, 8);
    memcpy(&uml_bv, (const unsigned char*)uml->iov_base + xsave_header, 8);
    memcpy(base, uml->iov_base, uml->iov_len);
    const uint64_t bv = (uml_bv & within_mask) | (kept_bv & ~within_mask);
    memcpy(base + xsave_header, &bv, 8);
    report(uml->iov_len);
    struct iovec whole = {base, host_len};
    return real_ptrace(PTRACE_SETREGSET, pid, addr, &whole);
}

long ptrace(enum __ptrace_request request, ...) {
    va_list ap;
    va_start(ap, request);
    pid_t pid = va_arg(ap, pid_t);
    void* addr = va_arg(ap, void*);
    void* data = va_arg(ap, void*);
    va_end(ap);
    if (!real_ptrace) real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
    struct iovec* iov = data;
    if ((request != PTRACE_GETREGSET && request != PTRACE_SETREGSET) || (uintptr_t)addr != NT_X86_XSTATE ||
        iov == NULL || iov->iov_len < xsave_header + 64 || iov->iov_len > max_xsave)
        return real_ptrace(request, pid, addr, data);
    if (host_len == 0 && get_whole(pid, addr, scratch) != 0) return real_ptrace(request, pid, addr, data);
    if (iov->iov_len >= host_len) return real_ptrace(request, pid, addr, data);  // the sizes match
    return request == PTRACE_GETREGSET ? short_get(pid, addr, iov) : short_set(pid, addr, iov);
}
