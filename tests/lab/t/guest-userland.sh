#!/usr/bin/env bash
# The guest's userland is sound while many guest processes run at once: the guest switches
# between them constantly, which is where a wrong FPU/vector state restore (tests/lab/README.md,
# "Hosts with AMX") corrupts programs. Run on the host: it computes the reference values, makes
# a test CA, then boots one guest that runs, all at the same time,
#   - six checksum processes (sha256sum, md5sum, sha1sum) over two large files: each must equal
#     the host's;
#   - a ping through a hand-installed AES-GCM ESP tunnel between two sites: counters rise, the
#     transit shows only ESP;
#   - two examples/ikepeer (Botan: X25519, Ed25519, AES-GCM) negotiating with each other: both
#     report the child SA with the same SPIs and keys.
#   usage: guest-userland.sh IKEPEER          (exit 77: the lab cannot run on this machine)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib/common.sh"

guest_part() {
    source "$here/lib/netns.sh"
    source "$here/lib/esp.sh"
    lab_sites 2
    local work=$GUEST_WORK

    # Load: checksum processes in the background for the whole run.
    local f i n=0
    for f in $SUM_FILES; do
        for tool in sha256sum md5sum sha1sum; do
            ( for i in 1 2 3; do $tool "$f"; done >"$work/sum.$n.$tool"; echo $? >"$work/rc.$n" ) &
            n=$((n + 1))
        done
    done

    lab_scenario esp-gcm-under-load esp_under_load
    lab_scenario ikepeer-handshake-under-load ikepeer_pair
    lab_scenario parallel-checksums-equal-host checksums_agree $n
    wait
    lab_summary
}

esp_under_load() {
    local k=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
    local s12 s21 pcap=$LAB_SCRATCH/wire.pcap
    lab_defer lab_esp_flush "${SITE_R[1]}" "${SITE_R[2]}"
    lab_esp_tunnel 1 2 'rfc4106(gcm(aes))' "$k" "${k/00/ff}"
    lab_capture cap "$pcap"
    lab_ping "${SITE_H[1]}" "${SITE_HOST[2]}" 5 >/dev/null
    lab_capture_stop "$cap"
    printf -v s12 '0x%08x' "$(lab_esp_spi 1 2)"
    printf -v s21 '0x%08x' "$(lab_esp_spi 2 1)"
    lab_xfrm_counters "${SITE_R[2]}"
    local in12=${XFRM_PACKETS[$s12]:-0} out21=${XFRM_PACKETS[$s21]:-0}
    lab_wire_check "$pcap"
    lab_log "SA packets at r2: in $in12, out $out21; wire: esp=$WIRE_ESP plaintext-icmp=$WIRE_ICMP"
    [ "$in12" -ge 5 ] && [ "$out21" -ge 5 ]
}

ikepeer_pair() {
    local p=$GUEST_WORK/pki out1=$LAB_SCRATCH/peer1.out out2=$LAB_SCRATCH/peer2.out
    ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
    "$IKEPEER" --local 127.0.0.2 --cert "$p/p2.crt" --key "$p/p2.p8" --ca "$p/ca.crt" \
        --local-ts 10.0.2.0/24 --print-keys --exit-after 40 >"$out2" 2>&1 &
    lab_defer lab_kill_wait $!
    lab_wait_for 20 lab_file_has "$out2" LISTENING || { cat "$out2"; return 1; }
    "$IKEPEER" --local 127.0.0.1 --cert "$p/p1.crt" --key "$p/p1.p8" --ca "$p/ca.crt" \
        --local-ts 10.0.1.0/24 --initiate 127.0.0.2 --remote-ts 10.0.2.0/24 --peer-id p2.lab \
        --print-keys --exit-after 40 >"$out1" 2>&1 &
    lab_defer lab_kill_wait $!
    lab_wait_for 30 lab_file_has "$out1" CHILD_SA_UP && lab_wait_for 10 lab_file_has "$out2" CHILD_SA_UP ||
        { cat "$out1" "$out2"; return 1; }
    # each end's inbound SA is the other's outbound SA: SPI and key
    local k ok=1
    for k in spi encr; do
        [ -n "$(field "$out1" in_$k)" ] && [ "$(field "$out1" in_$k)" = "$(field "$out2" out_$k)" ] &&
            [ "$(field "$out1" out_$k)" = "$(field "$out2" in_$k)" ] || ok=0
    done
    lab_log "child SA: SPIs $(field "$out1" in_spi)/$(field "$out1" out_spi), both ends agree: $ok"
    [ $ok = 1 ]
}

field() { grep -m1 '^CHILD_SA_UP' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

all_done() { [ "$(ls "$GUEST_WORK"/rc.* 2>/dev/null | wc -l)" = "$1" ]; }

checksums_agree() {
    local bad=0 f
    lab_wait_for 120 all_done "$1" || { lab_log "the checksum processes did not finish"; return 1; }
    grep -qvx 0 "$GUEST_WORK"/rc.* && { lab_log "a checksum process failed"; return 1; }
    for f in "$GUEST_WORK"/sum.*; do
        while read -r sum path; do
            grep -qx "$sum  $path" "$GUEST_WORK/host.sums" ||
                { lab_log "$(basename "$f"): $path gave $sum, the host computed another"; bad=1; }
        done <"$f"
    done
    lab_log "$(cat "$GUEST_WORK"/sum.* | wc -l) checksums by $(ls "$GUEST_WORK"/sum.* | wc -l) concurrent processes"
    [ $bad = 0 ]
}

if [ "${LAB_IN_GUEST:-0}" = 1 ]; then
    guest_part
    exit
fi

# Host part.
ikepeer=${1:?usage: $0 IKEPEER}
lab_require_root
[ -x "$ikepeer" ] || lab_die "ikepeer not found: $ikepeer"
lab_tmpdir work
files="/usr/bin/linux.uml $(ls /usr/lib/x86_64-linux-gnu/libbotan-2.so.* 2>/dev/null | head -1)"
(for f in $files; do sha256sum "$f"; md5sum "$f"; sha1sum "$f"; done) >"$work/host.sums"
(
    source "$here/lib/pki.sh"
    export STRONGSWAN_CONF=$work/pki/pki.conf
    mkdir -p "$work/pki" && cd "$work/pki" || exit 1
    echo 'pki { load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 openssl sha1 sha2 }' >pki.conf
    lab_pki_gen ed25519 >ca.key &&
        pki --self --ca --lifetime 30 --in ca.key --type ed25519 --addrblock 10.0.0.0/16 \
            --dn "C=CH, O=meshd lab, CN=lab CA" --outform pem >ca.crt || exit 1
    for n in 1 2; do
        lab_pki_gen ed25519 >p$n.key &&
            pki --pub --in p$n.key --type priv | pki --issue --lifetime 7 --cacert ca.crt --cakey ca.key \
                --addrblock 10.0.$n.0/24 --dn "C=CH, O=meshd lab, CN=p$n.lab" --san p$n.lab \
                --flag serverAuth --flag clientAuth --outform pem >p$n.crt &&
            openssl pkcs8 -topk8 -nocrypt -in p$n.key -out p$n.p8 || exit 1
    done
) || lab_die "cannot make the test PKI"
"$here/uml-run" -t 300 -w "$work" -e GUEST_WORK="$work" -e "SUM_FILES=$files" -e IKEPEER="$ikepeer" \
    -- "$here/t/guest-userland.sh"
