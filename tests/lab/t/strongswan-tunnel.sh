#!/usr/bin/env bash
# Two strongSwan gateways (r1, r2 of lab_sites 2) negotiate with certificates from a test CA and
# tunnel a ping from site 1's host to site 2's host; the transit must carry ESP and no
# plaintext ICMP, and the SA packet counters must rise. One scenario per suite, one topology.
#   usage: strongswan-tunnel.sh netlink    (in the guest: kernel ESP, the kernel's counters)
#          strongswan-tunnel.sh libipsec   (on the host: userspace ESP over TUN, ESP in UDP)
# $LAB_PKI, if set, names a directory with ready-made test CAs (<keytype>/ca.crt, r1.lab.*,
# r2.lab.*: tests/lab/mkpki makes it); otherwise they are made here (slow in the guest).
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root
source "$lib/pki.sh"
source "$lib/strongswan.sh"
source "$lib/esp.sh"
kernel=${1:-netlink}

tunnel() { # KEYTYPE IKE ESP
    local kt=$1 ike=$2 esp=$3 pki=${LAB_PKI:-$work/pki}/$1 pcap=$work/wire-$1.pcap kp=0 sp v
    [ -f "$pki/ca.crt" ] || lab_pki "$pki" "$kt" r1.lab r2.lab
    local common=(kernel="$kernel" pki="$pki" ike="$ike" esp="$esp")
    ss_setup r1 ns="${SITE_R[1]}" "${common[@]}" id=r1.lab peer=r2.lab local="${SITE_PUB[1]}" \
        remote="${SITE_PUB[2]}" lts="${SITE_NET[1]}" rts="${SITE_NET[2]}"
    ss_setup r2 ns="${SITE_R[2]}" "${common[@]}" id=r2.lab peer=r1.lab local="${SITE_PUB[2]}" \
        remote="${SITE_PUB[1]}" lts="${SITE_NET[2]}" rts="${SITE_NET[1]}"
    lab_defer lab_esp_flush "${SITE_R[1]}" "${SITE_R[2]}"
    ss_start r1 r2
    lab_log "charons up"
    if ! ss_initiate r1 >"$work/initiate.log" 2>&1; then
        cat "$work/initiate.log" >&2
        lab_die "initiate failed"
    fi
    lab_log "tunnel established"
    lab_capture cap "$pcap"
    lab_ping "${SITE_H[1]}" "${SITE_HOST[2]}" 3 >/dev/null
    local prc=$?
    lab_capture_stop "$cap"
    lab_wire_check "$pcap"
    local wrc=$?
    sp=$(ss_packets r1)
    if [ "$kernel" = netlink ]; then
        lab_xfrm_counters "${SITE_R[1]}"
        for v in "${XFRM_PACKETS[@]}"; do kp=$((kp + v)); done
    fi
    lab_log "ping status $prc; packets: swanctl $sp, kernel SAs $kp; wire: esp=$WIRE_ESP plaintext-icmp=$WIRE_ICMP"
    [ $prc = 0 ] && [ $wrc = 0 ] && [ "$sp" -ge 6 ] || return 1
    [ "$kernel" != netlink ] || [ "$kp" -ge 6 ]
}

case $kernel in netlink | libipsec) ;; *) lab_die "usage: $0 netlink|libipsec" ;; esac
lab_tmpdir work
lab_sites 2 || lab_die "topology"
lab_scenario "strongswan-$kernel-ecdsa-aes128gcm-ecp256" tunnel ecdsa aes128gcm16-prfsha256-ecp256 aes128gcm16
lab_scenario "strongswan-$kernel-ed25519-chacha20poly1305-x25519" tunnel ed25519 \
    chacha20poly1305-prfsha256-x25519 chacha20poly1305
lab_summary
