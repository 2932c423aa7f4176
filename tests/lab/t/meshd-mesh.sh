#!/usr/bin/env bash
# meshd over real ESP (issue 15, first part of its lab acceptance): three sites, 10.0.1.0/24
# nyc, 10.0.2.0/24 fl, 10.0.3.0/24 ca, each a router namespace running meshd with meshca's
# certificates and signed directory, and a host behind it. Run on the host: it makes the CA, the
# nodes and the configs (process starts are cheap there), then boots one guest for all scenarios:
#   - on-demand: the first ping from nyc's host to fl's host brings the tunnel up (ACQUIRE ->
#     IKE -> SAs) and is delivered (the first packet is held); the set-up time is printed; the
#     transit carries ESP and no plaintext ICMP; the SA packet counters rise;
#   - every pair of sites: ping through ESP;
#   - revocation: ca on nyc's blocklist and SIGHUP: the nyc<->ca SAs are gone from both kernels
#     within 1 s, and a ping nyc -> ca is not answered (no tunnel can be negotiated);
#   - stop: SIGTERM; none of meshd's kernel objects (reqid 0x4d45....) is left, a foreign
#     policy installed before is still there.
#   usage: meshd-mesh.sh MESHD MESHCA       (exit 77: the lab cannot run on this machine)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib/common.sh"

NAMES=(- nyc.mesh.example fl.mesh.example ca.mesh.example)

guest_part() {
    source "$here/lib/netns.sh"
    source "$here/lib/esp.sh"
    source "$here/lib/meshd.sh"
    lab_sites 3
    local i
    for i in 1 2 3; do
        ip -n "${SITE_R[i]}" xfrm policy add src 10.9.9.0/24 dst 10.9.8.0/24 dir out priority 9 \
            tmpl src 192.0.2.$i dst 192.0.2.99 proto esp mode tunnel reqid 7 # foreign: never ours
        ip netns exec "${SITE_R[i]}" "$MESHD" --config "$GUEST_WORK/site$i/meshd.toml" \
            >"$LAB_SCRATCH/meshd$i.log" 2>&1 &
        MESHD_PID[i]=$!
    done
    for i in 1 2 3; do
        lab_wait_for 60 lab_file_has "$LAB_SCRATCH/meshd$i.log" "ready" ||
            { lab_log "meshd $i did not get ready"; cat "$LAB_SCRATCH/meshd$i.log"; }
    done
    lab_scenario on-demand-first-ping-through-esp first_ping
    lab_scenario every-pair-through-esp every_pair
    lab_scenario blocklist-revocation-tears-down revocation
    lab_scenario sigterm-leaves-only-foreign-state stop_all
    for i in 1 2 3; do sed "s/^/meshd$i: /" "$LAB_SCRATCH/meshd$i.log" | grep -v -i debug | tail -15; done
    lab_summary
}

first_ping() {
    local pcap=$LAB_SCRATCH/first.pcap t0 t1 rc=0
    lab_capture cap "$pcap"
    lab_us t0
    ip netns exec "${SITE_H[1]}" ping -c 1 -W 10 "${SITE_HOST[2]}" >/dev/null || rc=$?
    lab_us t1
    lab_log "first ping nyc -> fl (tunnel on demand): status $rc, $(((t1 - t0) / 1000)) ms"
    [ $rc = 0 ] || return 1
    lab_ping "${SITE_H[1]}" "${SITE_HOST[2]}" 3 >/dev/null || return 1
    lab_capture_stop "$cap"
    lab_wire_check "$pcap" || { lab_log "wire: esp=$WIRE_ESP plaintext-icmp=$WIRE_ICMP"; return 1; }
    local n=0 spi
    lab_xfrm_counters "${SITE_R[2]}"
    for spi in "${!XFRM_PACKETS[@]}"; do n=$((n + XFRM_PACKETS[$spi])); done
    lab_log "wire: esp=$WIRE_ESP plaintext-icmp=0; fl's SAs counted $n packets"
    [ "$n" -ge 8 ]
}

every_pair() {
    local i j bad=0
    for i in 1 2 3; do
        for j in 1 2 3; do
            [ "$i" = "$j" ] && continue
            lab_ping "${SITE_H[i]}" "${SITE_HOST[j]}" 2 >/dev/null || ip netns exec "${SITE_H[i]}" \
                ping -c 2 -W 10 "${SITE_HOST[j]}" >/dev/null || { lab_log "no ping $i -> $j"; bad=1; }
        done
    done
    lab_log "SAs: nyc-fl $(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.2), nyc-ca $(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.3), fl-ca $(sas_between "${SITE_R[2]}" 192.0.2.2 192.0.2.3)"
    [ $bad = 0 ] && [ "$(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.3)" -ge 2 ]
}


revocation() {
    [ "$(sas_between "${SITE_R[3]}" 192.0.2.1 192.0.2.3)" -ge 2 ] || { lab_log "no nyc-ca tunnel to revoke"; return 1; }
    block_ca() { echo "name ca.mesh.example" >>"$GUEST_WORK/site1/blocklist" && kill -HUP "${MESHD_PID[1]}"; }
    meshd_revocation_ms "${SITE_R[1]}" 192.0.2.1 "${SITE_R[3]}" 192.0.2.3 block_ca || return 1
    [ "$REVOKE_MS" -le 1000 ] || { lab_log "slower than 1 s"; return 1; }
    if ip netns exec "${SITE_H[1]}" ping -c 2 -W 3 "${SITE_HOST[3]}" >/dev/null; then
        lab_log "nyc still reaches ca"; return 1
    fi
    [ "$(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.3)" = 0 ]
}

stop_all() {
    local i left=0
    for i in 1 2 3; do kill -TERM "${MESHD_PID[i]}"; done
    # (a scenario runs in a subshell: the daemons are not its children to wait for)
    exited() { ! kill -0 "${MESHD_PID[1]}" 2>/dev/null && ! kill -0 "${MESHD_PID[2]}" 2>/dev/null &&
        ! kill -0 "${MESHD_PID[3]}" 2>/dev/null; }
    lab_wait_for 20 exited || { lab_log "a meshd did not exit on SIGTERM"; left=1; }
    for i in 1 2 3; do
        local ours
        ours=$(meshd_objects "${SITE_R[i]}")
        [ "$ours" = 0 ] || { lab_log "site $i: $ours of meshd's kernel objects left"; left=1; }
        ip -n "${SITE_R[i]}" xfrm policy list | grep -q "src 10.9.9.0/24 dst 10.9.8.0/24" ||
            { lab_log "site $i: the foreign policy is gone"; left=1; }
    done
    [ $left = 0 ]
}

if [ "${LAB_IN_GUEST:-0}" = 1 ]; then
    guest_part
    exit
fi

# Host part: the CA, three nodes, the directory and the configs.
meshd=${1:?usage: $0 MESHD MESHCA} meshca=${2:?usage: $0 MESHD MESHCA}
lab_require_root
[ -x "$meshd" ] && [ -x "$meshca" ] || lab_die "meshd or meshca not found"
meshd=$(realpath "$meshd") meshca=$(realpath "$meshca")
source "$here/lib/meshd.sh"
lab_tmpdir work
export MESHCA_UNSAFE_NO_FSYNC=1
(
    cd "$work" || exit 1
    "$meshca" init --name "meshd lab CA" --subnets 10.0.0.0/16 --dir ca >/dev/null || exit 1
    : >nodes
    for i in 1 2 3; do
        mkdir -p site$i/state
        "$meshca" issue --dir ca --name "${NAMES[i]}" --subnets 10.0.$i.0/24 --endpoint 192.0.2.$i --out-dir site$i >/dev/null || exit 1
        echo "node ${NAMES[i]} 192.0.2.$i 10.0.$i.0/24" >>nodes
    done
    "$meshca" directory sign --dir ca nodes >/dev/null || exit 1
    for i in 1 2 3; do
        cp ca/ca.crt directory.signed site$i/ || exit 1
        : >site$i/blocklist
        meshd_config "${NAMES[i]}" "10.0.$i.0/24" "192.0.2.$i" 'blocklist = "blocklist"' >site$i/meshd.toml
        "$meshd" --config site$i/meshd.toml --check-config || exit 1
    done
) || lab_die "cannot make the CA, the nodes and their configs"
"$here/uml-run" -t 400 -w "$work" -e GUEST_WORK="$work" -e MESHD="$meshd" -- "$here/t/meshd-mesh.sh"
