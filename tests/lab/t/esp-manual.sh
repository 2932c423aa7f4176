#!/usr/bin/env bash
# Baseline lab test, run inside the guest (tests/lab/uml-run): hand-installed ESP SA pairs
# between two sites carry a ping, their counters rise, the transit sees ESP and no plaintext
# ICMP; a deliberately broken SA (one key bit flipped on the receiving side) must fail the
# same check, with the receiver counting the ICV failures. Proves the lab can tell. Also: the
# check fails without IPsec (it sees the plaintext), and netem delay applies to a site link.
set -u
lib=$(cd "$(dirname "$0")/../lib" && pwd)
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root
source "$lib/esp.sh"

GCM='rfc4106(gcm(aes))'
CHACHA='rfc7539esp(chacha20,poly1305)'
K_GCM128_A=000102030405060708090a0b0c0d0e0f10111213
K_GCM128_B=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
K_GCM256_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
K_CHACHA_A=$K_GCM256_A
K_CHACHA_B=c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3

# esp_check: ping h1 -> h2 through the hand-installed tunnel and prove it went through ESP
esp_check() {
    local out12 in12 out21 in21 pcap=$LAB_SCRATCH_DIR/wire-$RANDOM.pcap
    local s12=0x00001120 s21=0x00001210
    lab_capture cap "$pcap" || return 1
    lab_ping "${SITE_H[1]}" "${SITE_HOST[2]}" 3 >/dev/null
    local prc=$?
    lab_capture_stop "$cap"
    lab_xfrm_counters "${SITE_R[1]}"
    out12=${XFRM_PACKETS[$s12]:-0} in21=${XFRM_PACKETS[$s21]:-0}
    lab_xfrm_counters "${SITE_R[2]}"
    in12=${XFRM_PACKETS[$s12]:-0} out21=${XFRM_PACKETS[$s21]:-0}
    lab_wire_check "$pcap"
    local wrc=$?
    lab_log "ping status $prc; SA packets r1->r2 out=$out12 in=$in12, r2->r1 out=$out21 in=$in21;" \
        "wire: esp=$WIRE_ESP plaintext-icmp=$WIRE_ICMP"
    [ $prc = 0 ] && [ "$out12" -ge 3 ] && [ "$in12" -ge 3 ] && [ "$out21" -ge 3 ] && [ "$in21" -ge 3 ] && [ $wrc = 0 ]
}

tunnel_carries() { # ALGO KEY_12 KEY_21
    lab_defer lab_esp_flush "${SITE_R[1]}" "${SITE_R[2]}"
    lab_esp_tunnel 1 2 "$1" "$2" "$3"
    esp_check
}

broken_sa_fails() { # ALGO KEY_12 KEY_21 WRONG_KEY_12_AT_2
    lab_defer lab_esp_flush "${SITE_R[1]}" "${SITE_R[2]}"
    local before after
    lab_xfrm_stat before "${SITE_R[2]}" XfrmInStateProtoError
    lab_esp_tunnel 1 2 "$1" "$2" "$3" "$4"
    lab_expect_fail "ping through an SA whose key differs on the receiver" esp_check || return 1
    lab_xfrm_stat after "${SITE_R[2]}" XfrmInStateProtoError
    lab_log "receiver XfrmInStateProtoError: $before -> $after"
    [ "$after" -gt "$before" ]
}

plaintext_is_seen() { # no IPsec at all: the same check must fail, having seen the ICMP
    lab_expect_fail "ping check without IPsec" esp_check
    [ "$WIRE_ICMP" -ge 6 ]
}

netem_delays_the_tunnel() { # lab_netem works: 40 ms each way on site 1's link, the tunnel still carries
    lab_defer lab_esp_flush "${SITE_R[1]}" "${SITE_R[2]}"
    lab_defer ip netns exec "${SITE_R[1]}" tc qdisc del dev wan root
    lab_esp_tunnel 1 2 "$GCM" "$K_GCM128_A" "$K_GCM128_B"
    lab_netem 1 "delay 40ms"
    local out avg
    out=$(lab_ping "${SITE_H[1]}" "${SITE_HOST[2]}" 3)
    avg=$(sed -nE 's|^rtt [^=]+= [0-9.]+/([0-9]+)\..*|\1|p' <<<"$out")
    lab_log "average rtt ${avg:-?} ms (netem delay 40 ms on one link)"
    [ "${avg:-0}" -ge 40 ]
}

lab_tmpdir LAB_SCRATCH_DIR
lab_sites 2 || lab_die "topology"
lab_scenario esp-aes-gcm-128 tunnel_carries "$GCM" "$K_GCM128_A" "$K_GCM128_B"
lab_scenario esp-aes-gcm-256 tunnel_carries "$GCM" "$K_GCM256_A" "$K_CHACHA_B"
lab_scenario esp-chacha20-poly1305 tunnel_carries "$CHACHA" "$K_CHACHA_A" "$K_CHACHA_B"
lab_scenario esp-broken-key-detected broken_sa_fails "$GCM" "$K_GCM128_A" "$K_GCM128_B" \
    000102030405060708090a0b0c0d0e0f10111212
lab_scenario wire-check-sees-plaintext plaintext_is_seen
lab_scenario netem-delay-on-site-link netem_delays_the_tunnel
lab_summary
