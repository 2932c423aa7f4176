#!/usr/bin/env bash
# The installed libike and meshd (issue 14): `cmake --install` of this build tree into a scratch
# root (DESTDIR), the files that must land there (and none of lib/'s internal headers), an
# existing /etc/meshd/meshd.toml kept by a second install; then examples/embed built against the
# installed package only, once with find_package(libike) and once with a plain compiler line from
# `pkg-config --cflags --libs libike`, each completing a handshake (IKE_SA_INIT + IKE_AUTH, one
# child SA) with examples/ikepeer from the tree, on the loopback of a namespace of its own.
#   usage: run.sh BUILD_DIR SOURCE_DIR IKEPEER MESHCA
set -u
build=${1:?usage: $0 BUILD_DIR SOURCE_DIR IKEPEER MESHCA}
src=${2:?} ikepeer=$(realpath "${3:?}") meshca=$(realpath "${4:?}")
lib=$src/tests/lab/lib
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root  # the handshake binds UDP 500 in a namespace
command -v pkg-config >/dev/null || lab_die "pkg-config missing"
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
lab_tmpdir work

# 1. install into a scratch root, twice: the second time over an edited meshd.toml
DESTDIR=$work/root cmake --install "$build" >"$work/install.log" || { cat "$work/install.log" >&2; lab_die "cmake --install"; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
root=$work/root$prefix
pc=$(find "$root" -name libike.pc) && [ -n "$pc" ] || lab_die "no libike.pc installed"
libdir=$(dirname "$(dirname "$pc")")
conf=$(find "$work/root" -name meshd.toml.example -printf '%h\n') && [ -n "$conf" ] || lab_die "no meshd.toml.example"
need=("$root/include/ike/endpoint.hpp" "$root/include/ike/version.hpp" "$root/include/meshd/expected.hpp"
      "$libdir/libike.a" "$libdir/cmake/libike/libikeConfig.cmake" "$libdir/cmake/libike/libikeConfigVersion.cmake"
      "$root/sbin/meshd" "$root/bin/meshca" "$root/lib/systemd/system/meshd.service" "$conf/meshd.toml")
[ -e "$build/daemon/meshctl/meshctl" ] && need+=("$root/bin/meshctl")
for f in "${need[@]}"; do [ -e "$f" ] || lab_die "not installed: ${f#"$work/root"}"; done
for f in "$root/sbin/meshd" "$root/bin/meshca"; do [ -x "$f" ] || lab_die "not executable: $f"; done
grep -q "^ExecStart=$prefix/sbin/meshd -c ${conf#"$work/root"}/meshd.toml" "$root/lib/systemd/system/meshd.service" ||
    lab_die "the unit does not start the installed meshd with the installed config"
internal=$(find "$root/include" -type f ! -path '*/include/ike/*' ! -path '*/include/meshd/expected.hpp')
[ -z "$internal" ] || lab_die "installed beyond the public API: $internal"
echo "# the operator's own" >"$conf/meshd.toml"
DESTDIR=$work/root cmake --install "$build" >"$work/install2.log" || lab_die "second cmake --install"
grep -q "operator's own" "$conf/meshd.toml" || lab_die "a second install overwrote meshd.toml"
lab_log "installed: libike.a, $(find "$root/include" -name '*.hpp' | wc -l) headers, the package, libike.pc, meshd, meshca$([ -e "$root/bin/meshctl" ] && echo ", meshctl"), the unit, the config"

# 2. examples/embed against the installed package only
cmake -S "$src/examples/embed" -B "$work/embed-cmake" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$root" \
    -DCMAKE_BUILD_TYPE= >"$work/embed-cmake.log" 2>&1 &&
    cmake --build "$work/embed-cmake" >>"$work/embed-cmake.log" 2>&1 || { cat "$work/embed-cmake.log" >&2; lab_die "embed with find_package(libike)"; }
flags=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs libike) || lab_die "pkg-config libike"
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++20 "$src/examples/embed/main.cpp" -o "$work/embed-pc" $flags 2>"$work/embed-pc.log" ||
    { cat "$work/embed-pc.log" >&2; lab_die "embed with pkg-config: $cxx -std=c++20 main.cpp $flags"; }
lab_log "embed built twice: find_package(libike), and c++ $flags"

# 3. each embed completes a handshake with ikepeer
(cd "$work" && "$meshca" init --name "embed test CA" --subnets 10.0.0.0/16 --lifetime 30d --dir ca >/dev/null &&
    "$meshca" issue --dir ca --name a.lab --subnets 10.0.1.0/24 --lifetime 2d >/dev/null &&
    "$meshca" issue --dir ca --name b.lab --subnets 10.0.2.0/24 --lifetime 2d >/dev/null) || lab_die "meshca"
lab_ns NS embed || lab_die "namespace"
ip netns exec "$NS" "$ikepeer" --local 127.0.0.2 --cert "$work/b.lab.crt" --key "$work/b.lab.key" --ca "$work/ca/ca.crt" \
    --local-ts 10.0.2.0/24 --exit-after 120 >"$work/peer.log" 2>&1 &
lab_defer lab_kill_wait $!
lab_wait_for 10 lab_file_has "$work/peer.log" LISTENING || { cat "$work/peer.log" >&2; lab_die "ikepeer did not start"; }
n=0
for embed in "$work/embed-cmake/embed" "$work/embed-pc"; do
    n=$((n + 1))
    ip netns exec "$NS" "$embed" --local 127.0.0.1 --peer 127.0.0.2 --peer-id b.lab --id a.lab \
        --cert "$work/a.lab.crt" --key "$work/a.lab.key" --ca "$work/ca/ca.crt" \
        --local-ts 10.0.1.0/24 --remote-ts 10.0.2.0/24 --timeout 30 >"$work/embed$n.log" 2>&1 ||
        { cat "$work/embed$n.log" "$work/peer.log" >&2; lab_die "no handshake by $embed"; }
    grep -q '^CHILD_SA_UP .*local_ts=10.0.1.0-10.0.1.255 remote_ts=10.0.2.0-10.0.2.255' "$work/embed$n.log" || { cat "$work/embed$n.log" >&2; lab_die "no child SA"; }
    lab_wait_for 5 eval "[ \$(grep -c CHILD_SA_UP '$work/peer.log') -ge $n ]" || { cat "$work/peer.log" >&2; lab_die "ikepeer saw no child SA $n"; }
    lab_log "$(head -1 "$work/embed$n.log"), ${embed##*/}: $(grep CHILD_SA_UP "$work/embed$n.log")"
done
echo "PASS install and embed"
