# shellcheck shell=bash
# Network namespaces for lab topologies, on the host or in the guest. Everything created here is
# removed on exit (lab_defer), whatever the outcome. Names get a per-run prefix ($LAB_NS_PREFIX,
# default "ml<pid>-") so that parallel runs on one host never collide. Few processes: one
# `ip -batch` per namespace where possible.
LAB_NS_PREFIX=${LAB_NS_PREFIX:-ml$$-}
LAB_NS_OWNER= LAB_NS_LIST=()

# lab_ns VAR SHORTNAME...: create namespaces "$LAB_NS_PREFIX$SHORTNAME" (lo up); with one name,
# store the full name in VAR; with several, VAR is ignored (names are prefix + short name).
# LAB_NS_NO_LO=1: leave lo down (the caller brings it up in its own ip -batch).
lab_ns() {
    local var=$1 n batch=() full=()
    shift
    for n in "$@"; do full+=("$LAB_NS_PREFIX$n"); batch+=("netns add $LAB_NS_PREFIX$n"); done
    lab_ns_track "${full[@]}"
    printf '%s\n' "${batch[@]}" | ip -batch - || return 1
    if [ "${LAB_NS_NO_LO:-0}" != 1 ]; then
        for n in "${full[@]}"; do ip -n "$n" link set lo up || return 1; done
    fi
    [ $# != 1 ] || printf -v "$var" '%s' "${full[0]}"
}

# Namespaces are removed together, by whoever (script or scenario subshell) created them.
lab_ns_track() {
    if [ "$LAB_NS_OWNER" != "$BASHPID" ]; then
        LAB_NS_OWNER=$BASHPID LAB_NS_LIST=()
        lab_defer lab_ns_cleanup
    fi
    LAB_NS_LIST+=("$@")
}
lab_ns_cleanup() {
    local n p
    [ ${#LAB_NS_LIST[@]} -gt 0 ] || return 0
    # a test's stray daemon would keep a deleted namespace alive: kill what still runs there
    for n in "${LAB_NS_LIST[@]}"; do
        for p in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    done
    printf 'netns del %s\n' "${LAB_NS_LIST[@]}" | ip -force -batch - 2>/dev/null
    LAB_NS_LIST=()
}

# lab_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces, addressed (CIDR) and up.
lab_veth() {
    ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
    printf '%s\n' "addr add $3 dev $2" "link set $2 up" | ip -n "$1" -batch - || return 1
    printf '%s\n' "addr add $6 dev $5" "link set $5 up" | ip -n "$4" -batch -
}

# lab_sites N: N sites joined by an "internet" namespace whose bridge links their routers.
#   site i (1..N, up to 200): router namespace ${SITE_R[i]}: "wan" 192.0.2.i/24 (the public
#   endpoint ${SITE_PUB[i]}), "lan" 10.0.i.1/24, forwarding on, and a plain route to every other
#   site's subnet via that site's public address (without IPsec, traffic flows in clear: tests
#   can tell protected from unprotected); host namespace ${SITE_H[i]}: "eth0" ${SITE_HOST[i]}
#   = 10.0.i.2/24, default via 10.0.i.1. ${SITE_NET[i]} = 10.0.i.0/24. The internet namespace
#   is $LAB_WAN, its bridge "br0", ports "site<i>" (capture the transit: lab_capture).
declare -ga SITE_R=() SITE_H=() SITE_PUB=() SITE_NET=() SITE_HOST=()
LAB_WAN=
lab_sites() {
    local n=$1 i j names=(wan) links=() wan=() fwd=0
    read -r fwd </proc/sys/net/ipv4/ip_forward
    for ((i = 1; i <= n; i++)); do names+=("r$i" "h$i"); done
    LAB_NS_NO_LO=1 lab_ns _ "${names[@]}" || return 1
    LAB_WAN=${LAB_NS_PREFIX}wan
    wan=("link set lo up" "link add br0 type bridge" "link set br0 up")
    for ((i = 1; i <= n; i++)); do
        SITE_R[i]=${LAB_NS_PREFIX}r$i SITE_H[i]=${LAB_NS_PREFIX}h$i
        SITE_PUB[i]=192.0.2.$i SITE_NET[i]=10.0.$i.0/24 SITE_HOST[i]=10.0.$i.2
        links+=("link add wan netns ${SITE_R[i]} type veth peer name site$i netns $LAB_WAN"
            "link add lan netns ${SITE_R[i]} type veth peer name eth0 netns ${SITE_H[i]}")
        wan+=("link set site$i master br0" "link set site$i up")
    done
    printf '%s\n' "${links[@]}" | ip -batch - || return 1
    printf '%s\n' "${wan[@]}" | ip -n "$LAB_WAN" -batch - || return 1
    for ((i = 1; i <= n; i++)); do
        {
            echo "link set lo up"
            echo "addr add 192.0.2.$i/24 dev wan"
            echo "addr add 10.0.$i.1/24 dev lan"
            echo "link set wan up"
            echo "link set lan up"
            for ((j = 1; j <= n; j++)); do
                [ "$j" = "$i" ] || echo "route add 10.0.$j.0/24 via 192.0.2.$j"
            done
        } | ip -n "${SITE_R[i]}" -batch - || return 1
        printf '%s\n' "link set lo up" "addr add 10.0.$i.2/24 dev eth0" "link set eth0 up" \
            "route add default via 10.0.$i.1" | ip -n "${SITE_H[i]}" -batch - || return 1
        # New namespaces inherit IPv4 forwarding from the initial one (the guest turns it on
        # there); set it only where it is off, saving a process per router in the guest.
        [ "$fwd" = 1 ] || ip netns exec "${SITE_R[i]}" sysctl -qw net.ipv4.ip_forward=1 || return 1
    done
}

# lab_netem SITE "NETEM ARGS": delay/loss on the site's public link (e.g. "delay 20ms loss 5%").
# Needs sch_netem (loaded on demand in the guest; often missing on hosts: then it fails).
lab_netem() {
    [ -z "${LAB_MODPROBE:-}" ] || "$LAB_MODPROBE" sch_netem 2>/dev/null
    # shellcheck disable=SC2086
    ip netns exec "${SITE_R[$1]}" tc qdisc replace dev wan root netem $2
}

# lab_capture VAR FILE [FILTER]: tcpdump on the internet bridge (IPv4 only by default) into
# FILE (pcap) until lab_capture_stop VAR (or exit). Stores tcpdump's pid in VAR.
lab_capture() {
    local log=$2.log
    ip netns exec "$LAB_WAN" tcpdump -i br0 --immediate-mode -U -n -w "$2" "${3:-ip}" 2>"$log" &
    printf -v "$1" '%s' "$!"
    lab_defer lab_kill_wait "$!"
    lab_wait_for 30 lab_file_has "$log" 'listening on' ||
        { echo "tcpdump did not start:" >&2; cat "$log" >&2; return 1; }
}
lab_capture_stop() {
    lab_sleep 0.2
    lab_kill_wait "$1"
    wait "$1" 2>/dev/null || true
}

# lab_wire_check FILE: reads a capture; sets WIRE_ESP (ESP packets, plain or in UDP 4500) and
# WIRE_ICMP (plaintext ICMP between site subnets 10.0.0.0/16) and succeeds only if there is
# ESP and no plaintext ICMP. Call it directly (not in $(...)): it sets variables.
lab_wire_check() {
    local line
    WIRE_ESP=0 WIRE_ICMP=0
    while IFS= read -r line; do
        case $line in
            *"ESP(spi="* | *".4500 > "*"UDP-encap"*) WIRE_ESP=$((WIRE_ESP + 1)) ;;
            *" IP 10.0."*" > 10.0."*"ICMP"*) WIRE_ICMP=$((WIRE_ICMP + 1)) ;;
        esac
    done < <(tcpdump -nr "$1" 2>/dev/null)
    [ "$WIRE_ESP" -gt 0 ] && [ "$WIRE_ICMP" = 0 ]
}

# lab_ping FROM_NS DEST [COUNT]: a short ping that fails fast.
lab_ping() { ip netns exec "$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2"; }
