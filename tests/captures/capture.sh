#!/usr/bin/env bash
# Captures real IKEv2 exchanges between two Debian strongSwan charons on this host and stores
# each IKE datagram as a test vector under tests/captures/<suite>/ (see README.md there).
# Needs root (network namespaces). Runs in userspace ESP (kernel-libipsec), so no kernel ESP
# is needed: IKE_SA_INIT, IKE_AUTH, a ping through the tunnel, CREATE_CHILD_SA (child rekey,
# IKE rekey), INFORMATIONAL (the deletes of the rekeyed SAs, then the IKE SA's delete).
#
# usage: tests/captures/capture.sh [-o OUTDIR] [SUITE...]    (default: all suites, into this dir)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=$here/../lab/lib
source "$lab/common.sh"
source "$lab/pki.sh"
source "$lab/netns.sh"
source "$lab/strongswan.sh"

# suite -> "certificate key type | IKE proposal | ESP proposal"
declare -A SUITES=(
    [ecdsa-p256]="ecdsa|aes128gcm16-prfsha256-ecp256|aes128gcm16"
    [ed25519]="ed25519|chacha20poly1305-prfsha256-x25519|chacha20poly1305"
    [ed25519-aes256gcm]="ed25519|aes256gcm16-prfsha384-x25519|aes256gcm16-x25519"
    [ecdsa-p256-aes128cbc]="ecdsa|aes128-sha256-prfsha256-ecp256|aes128-sha256"
)

out=$here
while getopts "o:" o; do case $o in o) out=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- ecdsa-p256 ed25519 ed25519-aes256gcm ecdsa-p256-aes128cbc
lab_require_root

lab_tmpdir work

capture_suite() {
    local suite=$1 kt ike esp
    IFS='|' read -r kt ike esp <<<"${SUITES[$suite]:?unknown suite $suite}"
    local w=$work/$suite dest=$out/$suite
    mkdir -p "$w"
    lab_log "$suite: certificates ($kt), IKE $ike, ESP $esp"
    lab_pki "$w/pki" "$kt" initiator.lab responder.lab

    local nsi nsr
    lab_ns nsi "$suite-i"
    lab_ns nsr "$suite-r"
    lab_veth "$nsi" eth0 192.0.2.1/24 "$nsr" eth0 192.0.2.2/24
    ip -n "$nsi" addr add 10.1.0.1/32 dev lo
    ip -n "$nsr" addr add 10.2.0.1/32 dev lo

    # tcpdump on the responder's side of the link; -U writes each packet as it arrives
    ip netns exec "$nsr" tcpdump -i eth0 --immediate-mode -U -n -w "$w/wire.pcap" 'udp port 500 or udp port 4500' \
        2>"$w/tcpdump.log" &
    local tcpdump=$!
    lab_defer lab_kill_wait "$tcpdump"
    lab_wait_for 10 lab_file_has "$w/tcpdump.log" 'listening on' || lab_die "tcpdump did not start"

    SS_BASE=$w
    local common=(kernel=libipsec pki="$w/pki" ike="$ike" esp="$esp" log=4)
    ss_setup "$suite-i" ns="$nsi" "${common[@]}" id=initiator.lab peer=responder.lab \
        local=192.0.2.1 remote=192.0.2.2 lts=10.1.0.1/32 rts=10.2.0.1/32
    ss_setup "$suite-r" ns="$nsr" "${common[@]}" id=responder.lab peer=initiator.lab \
        local=192.0.2.2 remote=192.0.2.1 lts=10.2.0.1/32 rts=10.1.0.1/32
    # the initiator also logs the child SAs' keys (chd = 4): child_keys.txt, for ESP KATs
    sed -i 's/^      knl = 4$/      knl = 4\n      chd = 4/' "$(ss_dir "$suite-i")/strongswan.conf"
    grep -q '^      chd = 4$' "$(ss_dir "$suite-i")/strongswan.conf" || lab_die "could not log child keys"
    ss_start "$suite-i"
    ss_start "$suite-r"

    ss_initiate "$suite-i" >"$w/initiate.log" 2>&1 || { cat "$w/initiate.log"; lab_die "initiate"; }
    ike_spis "$suite-i" >>"$w/spis"
    ping_through "$nsi"
    ss_swanctl "$suite-i" --rekey --child net >/dev/null
    lab_wait_for 10 log_count "$suite-i" 'CHILD_SA net\{[0-9]+\} established' 2 || lab_die "child rekey"
    ping_through "$nsi"
    ss_swanctl "$suite-i" --rekey --ike lab >/dev/null
    lab_wait_for 10 log_count "$suite-i" 'IKE_SA lab\[[0-9]+\] rekeyed|IKE_SA rekeyed' 1 ||
        lab_die "IKE rekey"
    ike_spis "$suite-i" >>"$w/spis"
    sleep 0.5
    ss_swanctl "$suite-i" --terminate --ike lab --timeout 10 >/dev/null || lab_die "terminate"
    sleep 0.5
    lab_kill_wait "$tcpdump"
    wait "$tcpdump" 2>/dev/null || true

    rm -rf "$dest"
    mkdir -p "$dest/pki"
    python3 "$here/pcap2ike.py" "$w/wire.pcap" "$dest" >"$dest/index.txt"
    local f
    for f in 01-ike_sa_init-request 02-ike_sa_init-response 03-ike_auth-request 04-ike_auth-response; do
        [ -s "$dest/$f.ike" ] || lab_die "$suite: $f.ike missing from the capture"
    done
    awk '!seen[$0]++' "$w/spis" >"$w/spis.unique"
    python3 "$here/keys2table.py" "$ike" "$w/spis.unique" "$dest" <"$(ss_dir "$suite-i")/charon.log"
    python3 "$here/childkeys.py" <"$(ss_dir "$suite-i")/charon.log" >"$dest/child_keys.txt"
    python3 "$here/verify_keys.py" "$dest" || lab_die "$suite: the key table does not decrypt the capture"
    cp "$w/pki/"*.crt "$w/pki/"*.key "$dest/pki/"
    printf '%s\n' "THROWAWAY TEST KEYS made by capture.sh for these captures only; never use them elsewhere." \
        "ca.crt/ca.key: the CA; initiator.lab.*, responder.lab.*: end entities (IKE identity = file name)." \
        >"$dest/pki/README.txt"
    cp "$w/wire.pcap" "$dest/wire.pcap"
    # what the initiator sent and parsed, payload by payload (the encrypted contents included)
    sed -nE 's/^[0-9:]+ [0-9]+\[ENC\] <([^>]*)> ((generating|parsed) .*)/<\1> \2/p' \
        "$(ss_dir "$suite-i")/charon.log" >"$dest/exchanges.txt"
    ss_stop "$suite-i"
    ss_stop "$suite-r"
    lab_log "$suite: $(grep -c . "$dest/index.txt") datagrams, $(grep -c . "$dest/ikev2_decryption_table") IKE SA key sets"
}

ping_through() {
    ip netns exec "$1" ping -c 2 -i 0.2 -W 2 -I 10.1.0.1 10.2.0.1 >/dev/null || lab_die "ping through the tunnel"
}

# ike_spis INSTANCE: "ispi rspi" of each established IKE SA, as swanctl lists them
ike_spis() {
    ss_swanctl "$1" --list-sas | sed -nE 's/^[^ ].*ESTABLISHED, IKEv2, ([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r.*/\1 \2/p'
}

# log_count INSTANCE REGEX N: the instance's log has at least N lines matching REGEX
log_count() { [ "$(grep -cE "$2" "$(ss_dir "$1")/charon.log")" -ge "$3" ]; }

for s in "$@"; do capture_suite "$s"; done
lab_log "done: $*"
