#!/usr/bin/env bash
# Host check of the topology helpers (no ESP needed): three sites reach each other through the
# internet namespace, the wire check sees their plaintext, and everything a script created is
# gone after it exits, whether it passed, failed or was killed.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root

three_sites_route() {
    lab_sites 3
    local i j
    for i in 1 2 3; do
        for j in 1 2 3; do
            [ "$i" = "$j" ] || lab_ping "${SITE_H[i]}" "${SITE_HOST[j]}" 1 >/dev/null
        done
    done
    lab_capture cap "$work/plain.pcap"
    lab_ping "${SITE_H[1]}" "${SITE_HOST[3]}" 2 >/dev/null
    lab_capture_stop "$cap"
    lab_expect_fail "wire check on plaintext" lab_wire_check "$work/plain.pcap"
    [ "$WIRE_ICMP" -ge 4 ]
}

# A child script builds sites, starts a process inside one, then ends as told; afterwards no
# namespace with its prefix may remain and its process must be gone.
leaves_nothing() { # exit | fail | term
    local prefix=mltopo$BASHPID- left pid
    LAB_NS_PREFIX=$prefix bash -c '
        source "$1/common.sh"; source "$1/netns.sh"
        lab_sites 2 || exit 3
        ip netns exec "${SITE_H[1]}" sleep 300 &
        echo $! >"$2/pid"
        case $3 in
            exit) exit 0 ;;
            fail) lab_die "deliberate failure" ;;
            term) kill -TERM $$; sleep 5 ;;
        esac' _ "$lib" "$work" "$1" 2>/dev/null || true
    left=$(ip netns list | grep -c "^$prefix" || true)
    read -r pid <"$work/pid"
    lab_log "$1: namespaces left: $left, sleeper ${pid} alive: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no)"
    [ "$left" = 0 ] && ! kill -0 "$pid" 2>/dev/null
}

lab_tmpdir work
lab_scenario topology-three-sites-route three_sites_route
lab_scenario cleanup-after-success leaves_nothing exit
lab_scenario cleanup-after-failure leaves_nothing fail
lab_scenario cleanup-after-sigterm leaves_nothing term
lab_summary
