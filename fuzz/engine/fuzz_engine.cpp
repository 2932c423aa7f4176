// libFuzzer target: two Endpoints (initiator and responder, or both at once) driven by a program
// of operations read from the input: which datagram to deliver, mutate, duplicate, drop or
// replay, raw datagrams to inject, time to advance, commands to issue. Invariants are checked
// after every operation and, at the end, that deleting everything leaves no state.
//
//   fuzz_engine [libFuzzer flags] CORPUS...      fuzz
//   fuzz_engine --generate=DIR                   write the seed corpus (valid conversations)
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pki.hpp"
#include "program.hpp"
#include "world.hpp"

namespace fuzz_engine {

void run_program(std::span<const std::uint8_t> input) {
    constexpr int max_ops = 400;
    Reader in{input};
    World world(in.u8());
    for (int n = 0; n < max_ops && !in.empty(); ++n)
        world.step(static_cast<Op>(in.u8() % static_cast<std::uint8_t>(Op::count_)), in);
    world.settle();
}

}  // namespace fuzz_engine

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    (void)fuzz_engine::pki();  // the CA and the node certificates, once per process
    for (int i = 1; i < *argc; ++i) {
        const char* a = (*argv)[i];
        if (std::strncmp(a, "--generate=", 11) == 0) {
            const int n = fuzz_engine::generate_corpus(a + 11);
            std::printf("fuzz_engine: wrote %d seed programs to %s\n", n, a + 11);
            std::exit(n > 0 ? 0 : 1);
        }
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_engine::run_program({data, size});
    return 0;
}
