#!/usr/bin/env bash
# Our endpoint against itself with a certificate chain (root CA -> intermediate -> end entity):
# each side trusts only the root and learns the intermediate from the peer's CERT payloads
# (ikepeer --chain). The strongSwan fragment test cannot see a broken intermediate CERT payload
# (charon has the intermediate locally); here nobody does, so the chain must arrive intact.
# Caught: ikepeer built the intermediate's CERT payload from a destroyed temporary (issue 13).
#   usage: ikepeer-chain.sh IKEPEER [SCENARIO-FILTER]
set -u
lib=$(cd "$(dirname "$0")/../lab/lib" && pwd)
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root
source "$lib/pki.sh"
ikepeer=${1:?usage: $0 IKEPEER [FILTER]}
filter=${2:-}
[ -x "$ikepeer" ] || lab_die "ikepeer not found: $ikepeer"
command -v pki >/dev/null || { echo "SKIP: strongSwan's pki not installed" >&2; exit 77; }
run() { [[ -z $filter || $1 == *$filter* ]] || return 0; lab_scenario "$@"; }

A_ADDR=192.0.2.1 B_ADDR=192.0.2.2 A_NET=10.0.1.0/24 B_NET=10.0.2.0/24

# peer NS NAME ADDR NET OUT [ARGS...]: ikepeer in NS as NAME, trusting only the root CA.
peer() {
    local ns=$1 n=$2 addr=$3 net=$4 out=$5
    shift 5
    ip netns exec "$ns" "$ikepeer" --local "$addr" --cert "$work/pki/$n.crt" --key "$work/pki/$n.p8" \
        --ca "$work/pki/ca.crt" --local-ts "$net" --exit-after 20 "$@" >"$out" 2>"$out.err" &
    lab_defer lab_kill_wait $!
    lab_wait_for 10 lab_file_has "$out" LISTENING || { cat "$out.err" >&2; return 1; }
}

# settled FILE: the initiator got its child SA or gave up on authentication
settled() { lab_file_has "$1" CHILD_SA_UP || lab_file_has "$1" AUTH_FAILED; }

# both send the intermediate: the child SA comes up on both sides, nobody refuses a certificate
chain_sent() {
    peer "$NS_B" b.lab $B_ADDR $B_NET "$work/b.log" --chain "$work/pki/mid.crt"
    peer "$NS_A" a.lab $A_ADDR $A_NET "$work/a.log" --chain "$work/pki/mid.crt" \
        --initiate $B_ADDR --peer-id b.lab --remote-ts $B_NET
    lab_wait_for 20 settled "$work/a.log"
    grep -q CHILD_SA_UP "$work/a.log" || { cat "$work"/[ab].log* >&2; lab_die "no child SA on the initiator"; }
    lab_wait_for 5 lab_file_has "$work/b.log" CHILD_SA_UP || { cat "$work"/[ab].log* >&2; lab_die "no child SA on the responder"; }
    ! grep -h AUTH_FAILED "$work/a.log" "$work/b.log" || lab_die "a certificate was refused"
}

# the control: without --chain on the initiator the responder cannot build the path, so the
# scenario above really depends on the intermediate sent in the CERT payload
chain_missing() {
    peer "$NS_B" b.lab $B_ADDR $B_NET "$work/b0.log" --chain "$work/pki/mid.crt"
    peer "$NS_A" a.lab $A_ADDR $A_NET "$work/a0.log" --initiate $B_ADDR --peer-id b.lab --remote-ts $B_NET
    lab_wait_for 20 lab_file_has "$work/b0.log" AUTH_FAILED || { cat "$work"/[ab]0.log* >&2; lab_die "the responder accepted a chain without its intermediate"; }
    ! grep -q CHILD_SA_UP "$work/b0.log" || lab_die "a child SA came up without the intermediate"
}

lab_tmpdir work
lab_ns _ a b || lab_die "namespaces"
NS_A=${LAB_NS_PREFIX}a NS_B=${LAB_NS_PREFIX}b
lab_veth "$NS_A" wan $A_ADDR/24 "$NS_B" wan $B_ADDR/24 || lab_die "veth"
lab_pki_chain "$work/pki" ecdsa a.lab:$A_NET b.lab:$B_NET || lab_die "pki"  # ECDSA: quick to make

run chain-intermediate-from-peer chain_sent
run chain-intermediate-missing chain_missing
lab_summary
