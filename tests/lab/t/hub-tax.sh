#!/usr/bin/env bash
# The hub tax and on-demand latency, in the lab (issue 17, items 1 and 3): four sites, nyc (1),
# fl (2), ca (3), chicago (4), each a router namespace and a host behind it (lab_sites), in one
# guest boot, same kernel data plane (kernel ESP, AES-GCM-256, X25519, Ed25519 certificates from
# meshca) for both set-ups:
#   hub:  hub-and-spoke through nyc with strongSwan charons (nyc: one connection per spoke whose
#         local_ts is every other site's subnet; each spoke: one connection to nyc for all the
#         other subnets), tunnels initiated at start;
#   mesh: meshd on every site, direct tunnels on demand (the directory from meshca).
# The internet: each router's uplink (wan) shaped on egress: an htb class at RATE (the site's
# uplink) with one child per destination site and a netem delay = the one-way latency between the
# two cities (ONEWAY below), so every pair has its own RTT.
# For every pair (both set-ups): RTT (ping), throughput (iperf3, one TCP stream, T s), bytes on
# nyc's uplink during the transfer, the guest's CPU during it (one guest CPU carries every site's
# ESP: the difference between the set-ups is the hub's forwarding work), nyc's daemon CPU; then
# the three spoke-to-spoke flows at once. Before that, unshaped, what the guest sustains through
# one ESP hop (mesh) and two (hub): RATE is chosen below the latter (at most RATE_MAX).
# On-demand (item 3): netem RTT 0, 20, 80 ms between nyc and fl, no rate limit: the first packet
# of a new tunnel with meshd (first packet held) and with strongSwan trap policies
# (start_action=trap): ACQUIRE -> last SA installed in either kernel (ip -ts xfrm monitor, one
# guest clock), the first ping's fate, and the target 2 RTT + 3 ms + the handshake's crypto cost
# (CRYPTO_MS: bench_crypto's one-handshake figure for the suite).
#   usage: hub-tax.sh MESHD MESHCA [--smoke] [--out DIR] [--crypto-ms MS] [--time T]
#   --smoke: two pairs, 1 s transfers, one RTT: checks only that every part works (ctest)
#   --on-demand-only: only the on-demand part (item 3)
#   --out DIR: write hubtax.tsv, ondemand.tsv and the printed tables there (for docs/hub-tax.md
#              and scripts/bench-plots.py)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib/common.sh"

CITY=(- nyc fl ca chicago)
# Typical RTTs between the cities' data centres in ms (public ping tables, e.g. WonderNetwork's;
# rounded): one-way = RTT / 2
declare -A RTT=([1,2]=34 [1,3]=68 [1,4]=20 [2,3]=62 [2,4]=36 [3,4]=52)
rtt_of() { local a=$1 b=$2; [ "$a" -lt "$b" ] || { a=$2 b=$1; }; echo "${RTT[$a,$b]}"; }
PAIRS=("1 2" "1 3" "1 4" "2 3" "2 4" "3 4")
SPOKE_FLOWS=("2 3" "3 4" "4 2")

guest_part() {
    source "$here/lib/netns.sh"
    source "$here/lib/esp.sh"
    source "$here/lib/strongswan.sh"
    source "$here/lib/meshd.sh"
    "$LAB_MODPROBE" sch_htb && "$LAB_MODPROBE" sch_netem && "$LAB_MODPROBE" cls_u32 || lab_die "no sch_htb/sch_netem/cls_u32"
    lab_sites 4 || lab_die "topology"
    local i res=$GUEST_WORK/results
    mkdir -p "$res"
    for i in 1 2 3 4; do
        ip netns exec "${SITE_H[i]}" iperf3 -s -D -I "$LAB_SCRATCH/iperf$i.pid" >/dev/null 2>&1 || lab_die "iperf3 -s"
    done
    lab_defer kill_iperf

    if [ "$ONLY_ON_DEMAND" = 1 ]; then
        printf 'setup\n' >"$res/hubtax.tsv"
        on_demand_part "$res"
        check_results "$res"
        return
    fi
    # ---- the hub first: unshaped, what the guest sustains through two ESP hops (fl -> nyc ->
    # ca) sets the uplink rate; then shaped, every pair; then the same for the mesh (one hop)
    local t_cap=$((SMOKE ? 1 : 5)) mesh_cap hub_cap
    hub_up || lab_die "the hub's tunnels"
    hub_cap=$(iperf "${SITE_H[2]}" "${SITE_HOST[3]}" "$t_cap")
    RATE=$(awk -v c="$hub_cap" -v m="$RATE_MAX" 'BEGIN { r = int(c * 0.6); if (r > m) r = m; if (r < 1) r = 1; print r }')
    lab_log "unshaped, two ESP hops (hub fl->nyc->ca): $hub_cap Mbit/s; uplink rate: $RATE Mbit/s (at most $RATE_MAX, and 60% of that)"
    shape_cities
    local T=$((SMOKE ? 1 : TIME)) pairs=("${PAIRS[@]}")
    [ "$SMOKE" = 0 ] || pairs=("1 2" "2 3")
    printf 'setup\tpair\trtt_ms\tmbit\thub_bytes\tmb_moved\tguest_cpu_pct\tcpu_ms_per_mb\thub_daemon_ms\tesp_bytes\n' >"$res/hubtax.tsv"
    measure_pairs hub "$T" "${pairs[@]}" >>"$res/hubtax.tsv"
    measure_spokes hub "$T" >>"$res/hubtax.tsv"
    hub_down
    shape_uniform 0
    mesh_up
    for i in "${PAIRS[@]}"; do warm ${i}; done
    mesh_cap=$(iperf "${SITE_H[2]}" "${SITE_HOST[3]}" "$t_cap")
    lab_log "unshaped, one ESP hop (mesh fl->ca): $mesh_cap Mbit/s"
    printf 'capacity\tmesh_1hop_mbit\t%s\thub_2hop_mbit\t%s\trate_mbit\t%s\n' "$mesh_cap" "$hub_cap" "$RATE" >"$res/capacity.tsv"
    shape_cities
    measure_pairs mesh "$T" "${pairs[@]}" >>"$res/hubtax.tsv"
    measure_spokes mesh "$T" >>"$res/hubtax.tsv"
    mesh_down
    print_hubtax "$res/hubtax.tsv" | tee "$res/hubtax.txt"

    on_demand_part "$res"
    check_results "$res"
}

on_demand_part() { # RESULTS_DIR
    local res=$1 r
    # ---- on-demand latency
    local rtts=(0 20 80)
    [ "$SMOKE" = 0 ] || rtts=(20)
    printf 'rtt_ms\tdaemon\tsetup_ms\tfirst_packet\tfirst_reply_ms\ttarget_ms\n' >"$res/ondemand.tsv"
    for r in "${rtts[@]}"; do
        shape_uniform $((r / 2))
        on_demand_meshd "$r" >>"$res/ondemand.tsv"
        on_demand_strongswan "$r" >>"$res/ondemand.tsv"
    done
    print_ondemand "$res/ondemand.tsv" | tee "$res/ondemand.txt"
}

kill_iperf() {
    local i p
    for i in 1 2 3 4; do read -r p <"$LAB_SCRATCH/iperf$i.pid" && kill "$p"; done 2>/dev/null
}

# ---- set-ups
mesh_up() {
    meshd_lab_start "$MESHD" "$GUEST_WORK" 1 2 3 4
    meshd_lab_wait_ready 1 2 3 4 || lab_die "meshd"
}
mesh_down() { meshd_lab_stop 1 2 3 4; }

# every site's subnet but SITE's, comma-separated
others() { # SITE
    local i out=
    for i in 1 2 3 4; do [ "$i" = "$1" ] || out+=${out:+,}10.0.$i.0/24; done
    echo "$out"
}

hub_conf() { # SITE: swanctl.conf of the hub (1) or a spoke
    local i
    echo "connections {"
    if [ "$1" = 1 ]; then
        for i in 2 3 4; do conn_conf "s$i" 1 "$i" "$(others "$i")" "10.0.$i.0/24" none; done
    else
        conn_conf hub "$1" 1 "10.0.$1.0/24" "$(others "$1")" none
    fi
    echo "}"
}
conn_conf() { # NAME LOCAL_SITE REMOTE_SITE LOCAL_TS REMOTE_TS START_ACTION
    cat <<X
  $1 {
    version = 2
    local_addrs = 192.0.2.$2
    remote_addrs = 192.0.2.$3
    proposals = aes256gcm16-prfsha256-curve25519
    rekey_time = 0
    local { auth = pubkey
      certs = ${CITY[$2]}.mesh.example.crt
      id = ${CITY[$2]}.mesh.example }
    remote { auth = pubkey
      id = ${CITY[$3]}.mesh.example }
    children { net { local_ts = $4
      remote_ts = $5
      esp_proposals = aes256gcm16
      rekey_time = 0
      start_action = $6 } }
  }
X
}

ss_site() { # SITE (writes the config; ss_start starts it)
    ss_setup "s$1" ns="${SITE_R[$1]}" kernel=netlink pki="$GUEST_WORK/pki" id="${CITY[$1]}.mesh.example" \
        peer=- local="192.0.2.$1" remote=- lts=- rts=- log=1 >/dev/null || return 1
}

hub_up() {
    local i
    for i in 1 2 3 4; do
        ss_site "$i" || return 1
        hub_conf "$i" >"$(ss_dir "s$i")/swanctl/swanctl.conf"
    done
    ss_start s1 s2 s3 s4 || return 1
    for i in 2 3 4; do ss_swanctl "s$i" --initiate --child net --ike hub --timeout 30 >/dev/null || return 1; done
    lab_log "hub-and-spoke up: $(ip -n "${SITE_R[1]}" xfrm state list | grep -c '^src') SAs on nyc"
}
hub_down() {
    local i
    for i in 1 2 3 4; do ss_stop "s$i"; done
    lab_esp_flush "${SITE_R[@]:1}"
}

# ---- shaping: htb on each router's wan, RATE for the uplink, a netem delay per destination
# (htb guarantees each child its own rate whatever the parent's: the children's rates must sum
# to the uplink's, each may borrow up to all of it)
shape_cities() {
    local i j d share=$((RATE * 1000 / 4))
    for i in 1 2 3 4; do
        {
            echo "qdisc replace dev wan root handle 1: htb default 9"
            echo "class add dev wan parent 1: classid 1:1 htb rate ${RATE}mbit ceil ${RATE}mbit quantum 3028"
            echo "class add dev wan parent 1:1 classid 1:9 htb rate ${share}kbit ceil ${RATE}mbit quantum 3028"
            for j in 1 2 3 4; do
                [ "$i" = "$j" ] && continue
                d=$(($(rtt_of "$i" "$j") * 1000 / 2))
                echo "class add dev wan parent 1:1 classid 1:1$j htb rate ${share}kbit ceil ${RATE}mbit quantum 3028"
                echo "qdisc add dev wan parent 1:1$j handle 1$j: netem delay ${d}us limit 10000"
                echo "filter add dev wan parent 1: protocol ip prio 1 u32 match ip dst 192.0.2.$j/32 flowid 1:1$j"
            done
        } | tc -n "${SITE_R[i]}" -batch - || lab_die "shaping site $i"
    done
}
shape_uniform() { # ONE_WAY_MS on every uplink, no rate limit
    local i
    for i in 1 2 3 4; do
        tc -n "${SITE_R[i]}" qdisc del dev wan root 2>/dev/null
        [ "$1" = 0 ] || tc -n "${SITE_R[i]}" qdisc add dev wan root netem delay "$1ms" limit 10000 ||
            lab_die "netem on site $i"
    done
}

# ---- measurements
iperf() { # FROM_NS DEST SECONDS: receiver Mbit/s
    ip netns exec "$1" iperf3 -c "$2" -t "$3" -f m 2>&1 |
        awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i } END { print v + 0 }'
}
avg_rtt() { # FROM_NS DEST
    ip netns exec "$1" ping -q -c 5 -i 0.2 -W 5 "$2" | awk -F/ '/^rtt/ { print $5 }'
}
warm() { ip netns exec "${SITE_H[$1]}" ping -c 2 -W 10 "${SITE_HOST[$2]}" >/dev/null || lab_log "warm-up ping $1 -> $2 failed"; }
wan_bytes() { # NS: rx + tx bytes of its wan
    ip -n "$1" -s link show dev wan | awk '/RX:|TX:/ { getline; s += $1 } END { print s }'
}
cpu_busy() { # VAR_BUSY VAR_TOTAL: the guest's jiffies (one CPU)
    local _c u n s id io irq sirq st rest
    read -r _c u n s id io irq sirq st rest </proc/stat
    printf -v "$1" '%s' $((u + n + s + irq + sirq + st))
    printf -v "$2" '%s' $((u + n + s + id + io + irq + sirq + st))
}
hub_daemon_ms() { # SETUP: CPU ms of nyc's daemon so far
    local pid f
    if [ "$1" = hub ]; then read -r pid <"$(ss_dir s1)/run/charon.pid"; else pid=${MESHD_PID[1]}; fi
    read -r -a f <"/proc/$pid/stat" || { echo 0; return; }
    # fields after "(comm)": utime is the 14th, stime the 15th (comm has no spaces here)
    echo $(((f[13] + f[14]) * 10))
}

# Bytes counted by the outbound ESP SAs that carry SITE I's traffic to site J (in the hub set-up
# a spoke's go to nyc): proof that a transfer went through IPsec, not plain routing.
esp_bytes() { # SETUP I J
    local via=$3
    [ "$1" = hub ] && [ "$2" != 1 ] && via=1
    ip -s -n "${SITE_R[$2]}" xfrm state list src "192.0.2.$2" dst "192.0.2.$via" |
        awk '/\(bytes\)/ { sub(/\(bytes\).*/, ""); s += $1 } END { print s + 0 }'
}
esp_sum() { # SETUP "I J"...
    local setup=$1 p b sum=0
    shift
    for p in "$@"; do
        b=$(esp_bytes "$setup" $p)
        sum=$((sum + b))
    done
    echo "$sum"
}

# one transfer (or several at once): prints "setup pair rtt mbit hub_bytes mb cpu% cpu_ms/MB
# daemon_ms esp_bytes"
measure() { # SETUP LABEL SECONDS "I J"...
    local setup=$1 label=$2 t=$3 b0 b1 c0 c1 tot0 tot1 d0 d1 e0 e1 i j k=0 rtt=- sum=0 pids=()
    shift 3
    if [ $# = 1 ]; then
        set -- $1
        rtt=$(avg_rtt "${SITE_H[$1]}" "${SITE_HOST[$2]}")
        set -- "$1 $2"
    fi
    local flows=("$@")
    e0=$(esp_sum "$setup" "${flows[@]}")
    b0=$(wan_bytes "${SITE_R[1]}")
    d0=$(hub_daemon_ms "$setup")
    cpu_busy c0 tot0
    for i in "$@"; do
        set -- $i
        iperf "${SITE_H[$1]}" "${SITE_HOST[$2]}" "$t" >"$LAB_SCRATCH/iperf.out$k" &
        pids+=($!)
        k=$((k + 1))
    done
    wait "${pids[@]}" # (not a bare wait: the daemons are this shell's children too)
    cpu_busy c1 tot1
    d1=$(hub_daemon_ms "$setup")
    b1=$(wan_bytes "${SITE_R[1]}")
    e1=$(esp_sum "$setup" "${flows[@]}")
    for ((i = 0; i < k; i++)); do read -r j <"$LAB_SCRATCH/iperf.out$i"; sum=$(awk -v a="$sum" -v b="$j" 'BEGIN { print a + b }'); done
    awk -v s="$setup" -v p="$label" -v r="$rtt" -v m="$sum" -v hb=$((b1 - b0)) -v t="$t" -v c=$((c1 - c0)) \
        -v tot=$((tot1 - tot0)) -v d=$((d1 - d0)) -v esp=$((e1 - e0)) 'BEGIN {
        mb = m * t / 8; cpu = tot ? 100 * c / tot : 0
        printf "%s\t%s\t%s\t%.1f\t%d\t%.1f\t%.1f\t%.1f\t%d\t%d\n", s, p, r, m, hb, mb, cpu, mb ? c * 10 / mb : 0, d, esp }'
}
measure_pairs() { # SETUP T "I J"...
    local setup=$1 t=$2 p
    shift 2
    for p in "$@"; do
        set -- $p
        measure "$setup" "${CITY[$1]}-${CITY[$2]}" "$t" "$1 $2"
    done
}
measure_spokes() { measure "$1" "spokes-3-flows" "$2" "${SPOKE_FLOWS[@]}"; }

print_hubtax() {
    awk -F'\t' '
        NR == 1 { next }
        { k = $2; key[k] = 1; if (!(k in order)) { order[k] = ++n; name[n] = k }
          for (f = 3; f <= 9; f++) v[$1, k, f] = $f }
        function ratio(a, b) { return (b + 0 == 0) ? ((a + 0 == 0) ? "-" : "inf") : sprintf("%.2f", a / b) }
        END {
            printf "| pair | RTT ms hub | RTT ms mesh | RTT tax | Mbit/s hub | Mbit/s mesh | tput hub/mesh | nyc uplink MB hub | nyc uplink MB mesh | uplink tax | guest CPU ms/MB hub | mesh | CPU tax |\n"
            printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            for (i = 1; i <= n; i++) {
                k = name[i]
                printf "| %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %s | %s | %s | %s |\n", k,
                    v["hub", k, 3], v["mesh", k, 3], ratio(v["hub", k, 3], v["mesh", k, 3]),
                    v["hub", k, 4], v["mesh", k, 4], ratio(v["hub", k, 4], v["mesh", k, 4]),
                    v["hub", k, 5] / 1e6, v["mesh", k, 5] / 1e6, (v["mesh", k, 5] + 0 < 10000 ? "inf (mesh < 10 KB)" : ratio(v["hub", k, 5], v["mesh", k, 5])),
                    v["hub", k, 8], v["mesh", k, 8], ratio(v["hub", k, 8], v["mesh", k, 8])
            }
        }' "$1"
}

# ---- on-demand: nyc's host pings fl's host, no tunnel yet
# first_ping RTT DAEMON: ACQUIRE on nyc -> the last SA installed in nyc's or fl's kernel
first_ping() {
    local m1=$LAB_SCRATCH/od-mon1 m2=$LAB_SCRATCH/od-mon2 out=$LAB_SCRATCH/od-ping rc p1 p2
    ip -n "${SITE_R[1]}" -ts xfrm monitor >"$m1" 2>&1 &
    p1=$!
    ip -n "${SITE_R[2]}" -ts xfrm monitor >"$m2" 2>&1 &
    p2=$!
    # both monitors listening (a process start in a busy guest can take seconds): a marker
    # policy each must see
    local i
    for i in 1 2; do
        ip -n "${SITE_R[i]}" xfrm policy add src 10.9.9.9/32 dst 10.9.9.8/32 dir in priority 7
        ip -n "${SITE_R[i]}" xfrm policy del src 10.9.9.9/32 dst 10.9.9.8/32 dir in
    done
    local tries=0
    until lab_file_has "$m1" 10.9.9.9 && lab_file_has "$m2" 10.9.9.9 || [ $((tries++)) -gt 100 ]; do
        for i in 1 2; do
            ip -n "${SITE_R[i]}" xfrm policy add src 10.9.9.9/32 dst 10.9.9.8/32 dir in priority 7
            ip -n "${SITE_R[i]}" xfrm policy del src 10.9.9.9/32 dst 10.9.9.8/32 dir in
        done
        lab_sleep 0.3
    done
    ip netns exec "${SITE_H[1]}" ping -c 1 -W 5 "${SITE_HOST[2]}" >"$out" 2>&1
    rc=$?
    lab_sleep 1.5 # the responder's SAs may come after the reply
    kill $p1 $p2
    wait $p1 $p2 2>/dev/null
    cp "$m1" "$GUEST_WORK/results/monitor-$2-rtt$1-nyc"
    cp "$m2" "$GUEST_WORK/results/monitor-$2-rtt$1-fl"
    awk -v rtt="$1" -v d="$2" -v rc=$rc -v target="$(awk -v r="$1" -v c="$CRYPTO_MS" 'BEGIN { printf "%.1f", 2 * r + 3 + c }')" '
        function s(t, p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
        FILENAME == ARGV[3] { if (match($0, /time=[0-9.]+/)) reply = substr($0, RSTART + 5, RLENGTH - 5); next }
        /^\[/ { ts = s(substr($1, 13, 15)); hdr = $0
                if (FILENAME == ARGV[1] && hdr ~ /acquire/ && acq == "") acq = ts; next }
        /proto esp spi/ && $4 != "0x00000000" && hdr !~ /Deleted|Expired|acquire/ { sas++; if (ts > last) last = ts }
        END {
            setup = (acq != "" && sas >= 4) ? sprintf("%.1f", (last - acq) * 1000) : "none"
            printf "%s\t%s\t%s\t%s\t%s\t%s\n", rtt, d, setup, rc == 0 ? "delivered" : "lost", reply == "" ? "-" : reply, target
        }' "$m1" "$m2" "$out"
}
no_esp_sa() { ! ip -n "${SITE_R[1]}" xfrm state list | grep -q "proto esp" && ! ip -n "${SITE_R[2]}" xfrm state list | grep -q "proto esp"; }
# cold: the daemons' first tunnel since they started; warm: the next one, after the first was
# deleted (a running node's usual case: its processes and allocations warmed up, the trap kept)
on_demand_meshd() {
    meshd_lab_start "$MESHD" "$GUEST_WORK" 1 2
    meshd_lab_wait_ready 1 2 || return 1
    first_ping "$1" meshd
    "$(dirname "$MESHD")/../meshctl/meshctl" --socket "$GUEST_WORK/site1/meshd.sock" down fl.mesh.example >/dev/null ||
        lab_log "meshctl down failed"
    lab_wait_for 10 no_esp_sa || lab_log "meshd: SAs left after meshctl down"
    first_ping "$1" meshd-warm
    meshd_lab_stop 1 2
}
trap_installed() { ip -n "${SITE_R[1]}" xfrm policy list | grep -q "dir out"; }
on_demand_strongswan() {
    local i
    for i in 1 2; do
        ss_site "$i" || return 1
        { echo "connections {"; conn_conf od "$i" $((3 - i)) "10.0.$i.0/24" "10.0.$((3 - i)).0/24" trap; echo "}"; } \
            >"$(ss_dir "s$i")/swanctl/swanctl.conf"
    done
    ss_start s1 s2 || return 1
    # strongSwan's default: the packet that triggers the ACQUIRE is dropped (meshd set 0 here)
    ip netns exec "${SITE_R[1]}" sysctl -qw net.core.xfrm_larval_drop=1
    lab_wait_for 10 trap_installed || return 1
    first_ping "$1" strongswan
    ss_swanctl s1 --terminate --ike od --timeout 10 >/dev/null || lab_log "swanctl --terminate failed"
    lab_wait_for 10 no_esp_sa || lab_log "strongSwan: SAs left after --terminate"
    first_ping "$1" strongswan-warm
    ss_stop s1
    ss_stop s2
    lab_esp_flush "${SITE_R[1]}" "${SITE_R[2]}"
}
print_ondemand() {
    awk -F'\t' 'NR == 1 { next }
        { k = $1; v[k, $2] = $3; f[k, $2] = $4; r[k, $2] = $5; t[k] = $6; if (!(k in seen)) { seen[k] = 1; o[++n] = k } }
        function ratio(a, b) { return (a == "none" || a == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
        END {
            print "| RTT ms | target ms | meshd set-up ms cold / warm | first packet | its reply ms (warm) | meshd warm / target | strongSwan set-up ms cold / warm | first packet | strongSwan / meshd (warm) |"
            print "|---|---|---|---|---|---|---|---|---|"
            for (i = 1; i <= n; i++) { k = o[i]
                printf "| %s | %s | %s / %s | %s, %s | %s | %s | %s / %s | %s, %s | %s |\n", k, t[k],
                    v[k, "meshd"], v[k, "meshd-warm"], f[k, "meshd"], f[k, "meshd-warm"], r[k, "meshd-warm"],
                    ratio(v[k, "meshd-warm"], t[k]), v[k, "strongswan"], v[k, "strongswan-warm"],
                    f[k, "strongswan"], f[k, "strongswan-warm"], ratio(v[k, "strongswan-warm"], v[k, "meshd-warm"]) }
        }' "$1"
}
# What must hold for the run (and the smoke test) to pass: every transfer moved data through
# ESP (the senders' SAs counted at least half the bytes: a daemon that did not start leaves plain
# routing, which moves data too), the hub's uplink carried the spoke-to-spoke traffic in hub mode
# and not in the mesh, both daemons set up the on-demand tunnel, and meshd delivered the first
# packet.
check_results() {
    awk -F'\t' 'FNR == 1 { next }
        FILENAME ~ /hubtax/ && $4 + 0 <= 0 { print "no throughput: " $1 " " $2; bad = 1 }
        FILENAME ~ /hubtax/ && $10 + 0 < $6 * 1e6 * 0.5 {
            print "not through IPsec: " $1 " " $2 " moved " $6 " MB, its ESP SAs counted " $10 + 0 " bytes"; bad = 1 }
        FILENAME ~ /hubtax/ && $2 == "fl-ca" { hb[$1] = $5; mb[$1] = $6 }
        FILENAME ~ /ondemand/ && $3 == "none" { print "no tunnel on demand: " $2 " at RTT " $1; bad = 1 }
        FILENAME ~ /ondemand/ && $2 ~ /^meshd/ && $4 != "delivered" { print "meshd lost the first packet at RTT " $1; bad = 1 }
        END {
            if (hb["hub"] < mb["hub"] * 1e6) { print "hub: fl-ca did not cross nyc twice"; bad = 1 }
            if (hb["mesh"] > mb["mesh"] * 1e6 * 0.05) { print "mesh: fl-ca crossed nyc"; bad = 1 }
            exit bad
        }' "$1/hubtax.tsv" "$1/ondemand.tsv" >&2
}

if [ "${LAB_IN_GUEST:-0}" = 1 ]; then
    guest_part
    exit
fi

# ---- host part: PKI, directory, configs; then one guest
meshd=${1:?usage: $0 MESHD MESHCA [--smoke] [--out DIR] [--crypto-ms MS] [--time T]}
meshca=${2:?usage: $0 MESHD MESHCA [options]}
shift 2
smoke=0 out="" crypto_ms=1.0 time_s=8 rate_max=50 only_on_demand=0
while [ $# -gt 0 ]; do
    case $1 in
        --smoke) smoke=1 ;;
        --out) out=$2; shift ;;
        --crypto-ms) crypto_ms=$2; shift ;;
        --time) time_s=$2; shift ;;
        --rate-max) rate_max=$2; shift ;;
        --on-demand-only) only_on_demand=1 ;;
        *) lab_die "unknown option $1" ;;
    esac
    shift
done
lab_require_root
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 not installed" >&2; exit 77; }
[ -x /usr/lib/ipsec/charon ] || { echo "SKIP: strongSwan not installed" >&2; exit 77; }
meshd=$(realpath "$meshd") meshca=$(realpath "$meshca")
source "$here/lib/meshd.sh"
lab_tmpdir work
MESHCA=$meshca MESHD_LAB_TOML='[proposals]
ike = ["aes256gcm16-prfsha256-x25519"]
esp = ["aes256gcm16"]' meshd_lab_make "$work" nyc.mesh.example fl.mesh.example ca.mesh.example chicago.mesh.example ||
    lab_die "cannot make the CA, the nodes and their configs"
echo "# hub-tax.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$here/uml-run" -t $((smoke ? 500 : 1500)) -m 512M -w "$work" -e GUEST_WORK="$work" -e MESHD="$meshd" \
    -e SMOKE="$smoke" -e TIME="$time_s" -e CRYPTO_MS="$crypto_ms" -e RATE_MAX="$rate_max" -e ONLY_ON_DEMAND="$only_on_demand" -- "$here/t/hub-tax.sh"
rc=$?
echo "# end: load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$out" ] && [ -d "$work/results" ]; then mkdir -p "$out" && cp "$work"/results/* "$out"/; fi
exit $rc
