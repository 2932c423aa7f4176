#!/usr/bin/env bash
# Interop of IKE fragmentation (RFC 7383) with Debian's strongSwan (charon, kernel-libipsec,
# UDP encapsulation on port 4500) and our endpoint (examples/ikepeer) in two namespaces.
# An RSA-3072 chain (CA -> intermediate -> end entity, every key RSA-3072, made with
# strongSwan's pki) makes each IKE_AUTH message about 3 kB; both sides limit IKE datagrams to
# FRAG_SIZE octets (charon's fragment_size, ikepeer --fragment-size), so IKE_AUTH must go as
# SKF fragments in both directions. Per direction (charon initiates, ikepeer initiates):
#   - the child SA comes up, SPIs crosswise and keys equal (charon's chd=4 log vs --print-keys);
#   - fragments were really used: charon logs splitting its message and reassembling ours,
#     ikepeer's counters show fragments sent, received and a message reassembled;
#   - a capture on our side shows no UDP datagram above FRAG_SIZE and no IP fragments.
#   usage: strongswan-fragment.sh IKEPEER [SCENARIO-FILTER]
set -u
source "$(dirname "$0")/common.sh" "$@"
command -v tcpdump >/dev/null || { echo "SKIP: no tcpdump" >&2; exit 77; }

FRAG_SIZE=600
IKE=aes256gcm16-prfsha256-x25519 ESP=aes256gcm16

start_charon() {
    ss_setup ss ns="$NS_SS" kernel=libipsec pki="$work/pki" id=charon.lab peer=ours.lab \
        local=$SS_ADDR remote=$OUR_ADDR lts=$SS_NET rts=$OUR_NET ike="$IKE" esp="$ESP" log=4
    local d
    d=$(ss_dir ss)
    cp "$work/pki/mid.crt" "$d/swanctl/x509ca/mid.crt"
    # child keys are logged in the chd group; fragment_size is the IP datagram size (as ours)
    sed -i -e 's/^      knl = 4$/      knl = 2\n      chd = 4/' \
        -e "s/^  retransmit_tries = 3\$/  retransmit_tries = 3\n  fragment_size = $FRAG_SIZE/" "$d/strongswan.conf"
    sed -i -e 's/^    encap = yes$/    encap = yes\n    fragmentation = yes\n    send_cert = always/' "$d/swanctl/swanctl.conf"
    grep -q "fragment_size = $FRAG_SIZE" "$d/strongswan.conf" && grep -q 'fragmentation = yes' "$d/swanctl/swanctl.conf" ||
        lab_die "could not configure charon's fragmentation"
    ss_start ss
}

start_ours() { # OUT ARGS...
    local out=$1
    shift
    ip netns exec "$NS_OURS" "$ikepeer" --local $OUR_ADDR --cert "$work/pki/ours.lab.crt" --key "$work/pki/ours.lab.p8" \
        --chain "$work/pki/mid.crt" --ca "$work/pki/ca.crt" --local-ts $OUR_NET --fragment-size $FRAG_SIZE \
        --print-fragments --print-keys --exit-after 60 "$@" >"$out" 2>"$out.err" &
    OURS_PID=$!
    lab_defer lab_kill_wait "$OURS_PID"
    lab_wait_for 10 lab_file_has "$out" LISTENING || { cat "$out.err" >&2; return 1; }
}

start_capture() { # FILE
    ip netns exec "$NS_OURS" tcpdump -i wan --immediate-mode -U -n -w "$1" udp 2>"$1.log" &
    CAP_PID=$!
    lab_defer lab_kill_wait "$CAP_PID"
    lab_wait_for 30 lab_file_has "$1.log" 'listening on' || { cat "$1.log" >&2; return 1; }
}

# The child SA: SPIs crosswise in charon's SA list, keys equal to charon's key log.
check_child() { # OUT OUR_ROLE
    local out=$1 role=$2 sas in_spi out_spi ie ir our_i our_r
    lab_wait_for 30 lab_file_has "$out" CHILD_SA_UP || { lab_log "no CHILD_SA_UP from ours"; cat "$out" "$out.err" >&2; return 1; }
    sas=$(ss_swanctl ss --list-sas)
    echo "$sas" >&2
    in_spi=$(peer_field "$out" CHILD_SA_UP in_spi) out_spi=$(peer_field "$out" CHILD_SA_UP out_spi)
    grep -q "in  $out_spi" <<<"$sas" || lab_die "charon has no inbound SA $out_spi"
    grep -q "out $in_spi" <<<"$sas" || lab_die "charon has no outbound SA $in_spi"
    ie=$(ss_key_hex "$(ss_dir ss)/charon.log" "encryption initiator")
    ir=$(ss_key_hex "$(ss_dir ss)/charon.log" "encryption responder")
    if [ "$role" = initiator ]; then
        our_i=$(peer_field "$out" CHILD_SA_UP out_encr) our_r=$(peer_field "$out" CHILD_SA_UP in_encr)
    else
        our_i=$(peer_field "$out" CHILD_SA_UP in_encr) our_r=$(peer_field "$out" CHILD_SA_UP out_encr)
    fi
    our_i=${our_i#*:} our_r=${our_r#*:}
    lab_log "child keys i->r: charon ${ie:0:16}... ours ${our_i:0:16}...; r->i: charon ${ir:0:16}... ours ${our_r:0:16}..."
    [ -n "$ie" ] && [ "$ie" = "$our_i" ] || lab_die "initiator->responder keys differ"
    [ -n "$ir" ] && [ "$ir" = "$our_r" ] || lab_die "responder->initiator keys differ"
}

# Fragments really went both ways: charon's log, our counters, and the capture.
check_fragments() { # OUT CAPTURE
    local out=$1 cap=$2 log sent received reassembled max ipfrag
    log=$(ss_dir ss)/charon.log
    grep -E 'splitting IKE message|reassembled fragmented IKE message|fragmentation' "$log" >&2
    grep -q 'splitting IKE message .* into [0-9]* fragments' "$log" || lab_die "charon did not fragment its IKE_AUTH"
    grep -q 'reassembled fragmented IKE message' "$log" || lab_die "charon reassembled no fragments of ours"
    sent=$(peer_last_field "$out" FRAGMENTS sent) received=$(peer_last_field "$out" FRAGMENTS received)
    reassembled=$(peer_last_field "$out" FRAGMENTS reassembled)
    lab_log "ours: fragments sent=${sent:-0} received=${received:-0} messages reassembled=${reassembled:-0}"
    [ "${sent:-0}" -ge 2 ] || lab_die "ours sent no fragments"
    [ "${received:-0}" -ge 2 ] && [ "${reassembled:-0}" -ge 1 ] || lab_die "ours reassembled nothing"
    lab_capture_stop "$CAP_PID"
    max=$(tcpdump -nr "$cap" -v 2>/dev/null | sed -n 's/.*proto UDP (17), length \([0-9]*\)).*/\1/p' | sort -n | tail -1)
    ipfrag=$(tcpdump -nr "$cap" -v 2>/dev/null | grep -c 'flags \[+\]\|offset [1-9]' || true)
    lab_log "capture: largest UDP datagram ${max:-?} octets (limit $FRAG_SIZE), IP fragments: $ipfrag"
    [ -n "$max" ] && [ "$max" -le "$FRAG_SIZE" ] || lab_die "an IKE datagram above $FRAG_SIZE octets"
    [ "$ipfrag" = 0 ] || lab_die "IP fragmentation happened"
}

charon_initiates() {
    local out=$work/ours-resp.log
    start_charon
    start_capture "$work/resp.pcap"
    start_ours "$out"
    ss_initiate ss >"$work/initiate.log" 2>&1 || { cat "$work/initiate.log" "$out" "$out.err" >&2; lab_die "charon's initiate failed"; }
    check_child "$out" responder
    check_fragments "$out" "$work/resp.pcap"
}

ours_initiates() {
    local out=$work/ours-init.log
    start_charon
    start_capture "$work/init.pcap"
    start_ours "$out" --initiate $SS_ADDR --peer-id charon.lab --remote-ts $SS_NET
    check_child "$out" initiator
    check_fragments "$out" "$work/init.pcap"
}

lab_tmpdir work
lab_ns _ ss ours || lab_die "namespaces"
NS_SS=${LAB_NS_PREFIX}ss NS_OURS=${LAB_NS_PREFIX}ours
lab_veth "$NS_SS" wan $SS_ADDR/24 "$NS_OURS" wan $OUR_ADDR/24 || lab_die "veth"
ip -n "$NS_SS" addr add 10.0.1.1/24 dev lo || lab_die "address"
lab_pki_chain "$work/pki" rsa charon.lab:$SS_NET ours.lab:$OUR_NET || lab_die "pki"

run fragment-rsa3072-charon-initiates charon_initiates
run fragment-rsa3072-ours-initiates ours_initiates
lab_summary
