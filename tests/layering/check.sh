#!/usr/bin/env bash
# The layering rules of docs/DESIGN.md, checked on the sources (ctest: layering_rules):
#   lib/ is sans-I/O: no sockets, no event loop, no threads, no clock read, no entropy of its own
#     (time, randomness and SPIs are passed in);
#   only lib/crypto/ touches Botan; lib/wire/ also includes nothing from lib/crypto;
#   the installed API (lib/include/ike) includes only itself, meshd/expected.hpp and the standard
#   library: no header of a module (wire/, crypto/, sa/, policy/) nor of a dependency;
#   xfrm/ knows nothing of IKE: it includes nothing of lib/ and its build takes no lib/ path.
# Prints each violation as file:line: text and exits 1 if there is any.
set -u
src=${1:?usage: $0 SOURCE_DIR}
bad=0
check() { # DIR REGEX WHY [FILE-TO-SKIP...]
    local hits skip=()
    for f in "${@:4}"; do skip+=(--exclude="$f"); done
    hits=$(grep -rnE --include='*.cpp' --include='*.hpp' --include='*.h' "${skip[@]}" "$2" "$src/$1" 2>/dev/null)
    if [ -n "$hits" ]; then
        printf '%s: %s\n%s\n' "$1" "$3" "$hits"
        bad=1
    fi
}
check lib '#include[[:space:]]*<(boost/asio|sys/socket\.h|netinet/|sys/epoll\.h|poll\.h|thread>|ctime>)' \
    'sans-I/O: no socket, event loop, thread or C time header'
check lib '(system_clock|steady_clock|high_resolution_clock)::now|clock_gettime|gettimeofday|[^_a-z]time\(nullptr|[^_a-z]time\(0\)' \
    'sans-I/O: the time is passed in, never read'
# (lib/crypto/rng.* offers callers the system generator to inject; nothing in lib/ calls it)
check lib 'random_device|getrandom|/dev/u?random|[^_a-z]rand\(|make_system_rng' 'randomness comes from the injected Rng' \
    rng.cpp rng.hpp
check lib '[^_a-z.>]socket\(|[^_a-z.>]sendto\(|[^_a-z.>]recvfrom\(|[^_a-z.>]getenv\(' 'no I/O or environment in lib/'
for d in lib/wire lib/sa lib/policy lib/include; do
    check "$d" '#include[[:space:]]*[<"]botan' 'only lib/crypto/ includes Botan'
done
check lib/wire '#include[[:space:]]*"crypto/' 'lib/wire/ is the codec only'
# an include with a folder in it that is not ike/ or meshd/expected.hpp (standard headers have none)
public=$(grep -rnE '#[[:space:]]*include[[:space:]]*["<][^">]*/' "$src/lib/include" |
         grep -vE '#[[:space:]]*include[[:space:]]*["<](ike/[^/">]+|meshd/expected\.hpp)[">]')
if [ -n "$public" ]; then
    printf '%s\n%s\n' 'lib/include: a public header includes an internal or foreign one' "$public"
    bad=1
fi
check xfrm '#[[:space:]]*include[[:space:]]*["<](ike|wire|crypto|sa|policy|pki)/' 'xfrm/ includes nothing of lib/'
check xfrm '(^|[^a-z_:])ike::' 'xfrm/ uses nothing of namespace ike'
if grep -nE 'lib/|[( ]ike(_[a-z]+)?[ )]' "$src/xfrm/CMakeLists.txt"; then
    echo "xfrm/CMakeLists.txt: xfrm/ builds without lib/"
    bad=1
fi
[ $bad = 0 ] && echo "layering rules hold (lib/ sans-I/O, Botan only in lib/crypto/, public headers self-contained, xfrm/ without lib/)"
exit $bad
