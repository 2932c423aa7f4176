# shellcheck shell=bash
# Network namespaces for lab topologies, on the host or in the guest. Everything created here is
# removed on exit (lab_defer), whatever the outcome. Names get a per-run prefix ($LAB_NS_PREFIX,
# default "ml<pid>-") so that parallel runs on one host never collide.
LAB_NS_PREFIX=${LAB_NS_PREFIX:-ml$$-}

# lab_ns VAR SHORTNAME: create namespace "$LAB_NS_PREFIX$SHORTNAME" with lo up; store its name in VAR.
lab_ns() {
    local n=$LAB_NS_PREFIX$2
    ip netns add "$n" || return 1
    lab_defer lab_ns_del "$n"
    ip -n "$n" link set lo up
    printf -v "$1" '%s' "$n"
}

# Kill whatever still runs in the namespace (a test's stray daemon) before deleting it.
lab_ns_del() {
    local p
    for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$1"
}

# lab_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces, addressed (CIDR) and up.
lab_veth() {
    ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || return 1
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$4" addr add "$6" dev "$5"
    ip -n "$1" link set "$2" up
    ip -n "$4" link set "$5" up
}
