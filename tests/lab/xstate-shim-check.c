// Checks tests/lab/xstate-shim.c on the host, the way UML uses ptrace: a traced child loads known
// values into its vector registers and stops; the tracer reads its registers, with an XSAVE
// buffer shorter than the host's (x87 + SSE only, as UML's is on an AMX host), then, as UML does
// to learn a page fault's address, lets a signal run a handler in the child (the host resets the
// FPU state for it; the handler clobbers the registers too) that stops again; the tracer puts the
// registers back, with xmm0 changed, writing the XSAVE state with the same short length, and lets
// the child go on. Without the shim the host refuses that write (the UML boot failure); with it
// (LD_PRELOAD) the write succeeds, xmm0 carries the tracer's value, and the state beyond the
// short buffer (ymm0's upper half; zmm16 and k1 where the CPU has AVX-512) is what the child had
// when it stopped: neither reset nor the handler's.
// Exit: 0 pass, 1 fail, 77 skip (no AVX: nothing lies beyond the legacy area).
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

enum { short_len = 576, xmm0_offset = 160 };

struct Regs {
    uint8_t ymm0[32];
    uint8_t zmm16[64];
    uint64_t k1;
};

static void fill(uint8_t* p, size_t n, uint8_t seed) {
    for (size_t i = 0; i < n; ++i) p[i] = (uint8_t)(seed + 7 * i);
}

// One asm block from load to store: no compiler code runs between the stop and the reads.
static void stop_with_avx(struct Regs* r, pid_t self) {
    __asm__ volatile(
        "vmovdqu (%[r]), %%ymm0\n\t"
        "mov $62, %%eax\n\t"  // kill(self, SIGSTOP)
        "mov %[pid], %%edi\n\t"
        "mov $19, %%esi\n\t"
        "syscall\n\t"
        "vmovdqu %%ymm0, (%[r])\n\t"
        :
        : [r] "r"(r->ymm0), [pid] "r"(self)
        : "rax", "rdi", "rsi", "rcx", "r11", "xmm0", "memory");
}

__attribute__((target("avx512f"))) static void stop_with_avx512(struct Regs* r, pid_t self) {
    __asm__ volatile(
        "vmovdqu (%[y]), %%ymm0\n\t"
        "vmovdqu64 (%[z]), %%zmm16\n\t"
        "kmovw (%[k]), %%k1\n\t"
        "mov $62, %%eax\n\t"
        "mov %[pid], %%edi\n\t"
        "mov $19, %%esi\n\t"
        "syscall\n\t"
        "vmovdqu %%ymm0, (%[y])\n\t"
        "vmovdqu64 %%zmm16, (%[z])\n\t"
        "kmovw %%k1, (%[k])\n\t"
        :
        : [y] "r"(r->ymm0), [z] "r"(r->zmm16), [k] "r"(&r->k1), [pid] "r"(self)
        : "rax", "rdi", "rsi", "rcx", "r11", "xmm0", "xmm16", "k1", "memory");
}

// The stand-in for UML's stub: clobbers what the child must get back, then stops for good.
static int g_avx512;
__attribute__((target("avx512f"))) static void clobber_avx512(void) {
    __asm__ volatile("vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\tkxnorw %%k1, %%k1, %%k1" ::: "xmm16", "k1");
}
static void stub_handler(int sig) {
    (void)sig;
    __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0" ::: "xmm0");
    if (g_avx512) clobber_avx512();
    for (;;) raise(SIGSTOP);
}

static int cpu_has(unsigned leaf, unsigned sub, int reg, unsigned bit) {
    unsigned r[4];
    if (!__get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3])) return 0;
    return (r[reg] >> bit) & 1;
}

int main(void) {
    const int avx = cpu_has(1, 0, 2, 28), avx512 = cpu_has(7, 0, 1, 16);
    if (!avx) {
        puts("SKIP: no AVX, the whole XSAVE state fits the legacy area");
        return 77;
    }
    struct Regs want;
    fill(want.ymm0, sizeof want.ymm0, 0x11);
    fill(want.zmm16, sizeof want.zmm16, 0x55);
    want.k1 = 0xa5c3;
    int pipefd[2];
    if (pipe(pipefd) != 0) return perror("pipe"), 1;
    const pid_t child = fork();
    g_avx512 = avx512;
    if (child == 0) {
        signal(SIGUSR1, stub_handler);
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        struct Regs r = want;
        if (avx512) stop_with_avx512(&r, getpid());
        else stop_with_avx(&r, getpid());
        if (write(pipefd[1], &r, sizeof r) != (ssize_t)sizeof r) _exit(3);
        _exit(0);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) return puts("FAIL: child did not stop"), 1;

    struct user_regs_struct gp;
    if (ptrace(PTRACE_GETREGS, child, NULL, &gp) != 0) return perror("GETREGS"), 1;
    uint8_t buf[short_len];
    struct iovec iov = {buf, sizeof buf};
    if (ptrace(PTRACE_GETREGSET, child, (void*)NT_X86_XSTATE, &iov) != 0) return perror("GETREGSET"), 1;
    // The stub's turn: a signal handler in the child, which stops inside it.
    ptrace(PTRACE_CONT, child, NULL, (void*)(uintptr_t)SIGUSR1);
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) return puts("FAIL: no stop in the handler"), 1;
    if (ptrace(PTRACE_SETREGS, child, NULL, &gp) != 0) return perror("SETREGS"), 1;
    // What the host does without the shim (a direct system call bypasses any preload).
    const long raw = syscall(SYS_ptrace, PTRACE_SETREGSET, child, (void*)NT_X86_XSTATE, &iov);
    printf("host: SETREGSET with %d bytes: %s\n", short_len, raw == 0 ? "accepted" : strerror(errno));
    uint8_t xmm0[16];
    fill(xmm0, sizeof xmm0, 0x99);
    memcpy(buf + xmm0_offset, xmm0, sizeof xmm0);
    iov.iov_len = sizeof buf;
    const long rc = ptrace(PTRACE_SETREGSET, child, (void*)NT_X86_XSTATE, &iov);
    printf("through ptrace(): SETREGSET with %d bytes: %s\n", short_len, rc == 0 ? "accepted" : strerror(errno));
    if (rc != 0) {
        kill(child, SIGKILL);
        return puts("FAIL: the short SETREGSET was refused"), 1;
    }
    ptrace(PTRACE_CONT, child, NULL, NULL);
    struct Regs got;
    if (read(pipefd[0], &got, sizeof got) != (ssize_t)sizeof got) return puts("FAIL: no result from the child"), 1;
    waitpid(child, &status, 0);

    int ok = 1;
    if (memcmp(got.ymm0, xmm0, 16) != 0) ok = 0, puts("FAIL: xmm0 is not the tracer's value");
    if (memcmp(got.ymm0 + 16, want.ymm0 + 16, 16) != 0) ok = 0, puts("FAIL: ymm0's upper half was not kept");
    if (avx512 && memcmp(got.zmm16, want.zmm16, 64) != 0) ok = 0, puts("FAIL: zmm16 was not kept");
    if (avx512 && (got.k1 & 0xffff) != want.k1) ok = 0, puts("FAIL: k1 was not kept");
    printf("%s: xmm0 set by the tracer, ymm0 upper%s kept\n", ok ? "PASS" : "FAIL", avx512 ? ", zmm16, k1" : "");
    return ok ? 0 : 1;
}
