# shellcheck shell=bash
# meshd sites for lab scripts: meshca's CA, one node per site, the signed directory and each
# site's meshd.toml (made on the host, where process starts are cheap), then meshd started in
# the sites' router namespaces (lab_sites) in the guest. Factored from t/meshd-mesh.sh's shell
# for the benchmarks (tests/lab/t/hub-tax.sh); the same layout:
#   $WORK/ca/                    the CA (meshca init; subnets 10.0.0.0/16)
#   $WORK/site<i>/               NAME.crt, NAME.key, ca.crt, directory.signed, blocklist, state/,
#                                meshd.toml (site i: 10.0.i.0/24, listens on 192.0.2.i)
#   $WORK/pki/                   ca.crt and every NAME.crt/.key together (for ss_setup pki=)
#
#   meshd_lab_make WORK NAME...          (host) site i = the i-th NAME; MESHD_LAB_TOML: extra
#                                        TOML appended to every meshd.toml ([proposals], ...)
#   meshd_lab_start MESHD WORK I...      (guest) meshd on those sites' routers, log in
#                                        $LAB_SCRATCH/meshd<i>.log, pid in MESHD_PID[i]
#   meshd_lab_wait_ready I...            until each log says "ready" (60 s each)
#   meshd_lab_stop I...                  SIGTERM and wait (meshd removes its kernel state)

declare -ga MESHD_PID=()

meshd_lab_make() {
    local work=$1 meshca=${MESHCA:?MESHCA: the meshca binary} i n
    shift
    local names=(- "$@")
    n=$#
    (
        cd "$work" || exit 1
        export MESHCA_UNSAFE_NO_FSYNC=1
        "$meshca" init --name "meshd lab CA" --subnets 10.0.0.0/16 --dir ca >/dev/null || exit 1
        mkdir -p pki && cp ca/ca.crt pki/ || exit 1
        : >nodes
        for ((i = 1; i <= n; i++)); do
            mkdir -p "site$i/state"
            "$meshca" issue --dir ca --name "${names[i]}" --subnets "10.0.$i.0/24" \
                --endpoint "192.0.2.$i" --out-dir "site$i" >/dev/null || exit 1
            cp "site$i/${names[i]}.crt" "site$i/${names[i]}.key" pki/ || exit 1
            echo "node ${names[i]} 192.0.2.$i 10.0.$i.0/24" >>nodes
        done
        "$meshca" directory sign --dir ca nodes >/dev/null || exit 1
        for ((i = 1; i <= n; i++)); do
            cp ca/ca.crt directory.signed "site$i/" || exit 1
            : >"site$i/blocklist"
            cat >"site$i/meshd.toml" <<X
[node]
name = "${names[i]}"
certificate = "${names[i]}.crt"
key = "${names[i]}.key"
ca = "ca.crt"
blocklist = "blocklist"
directory = "directory.signed"
subnets = ["10.0.$i.0/24"]
listen = ["192.0.2.$i"]
state_dir = "state"
log_level = "info"
${MESHD_LAB_TOML:-}

[control]
socket = "$PWD/site$i/meshd.sock"
X
        done
    )
}

meshd_lab_start() {
    local meshd=$1 work=$2 i
    shift 2
    for i in "$@"; do
        ip netns exec "${SITE_R[i]}" "$meshd" --config "$work/site$i/meshd.toml" \
            >>"$LAB_SCRATCH/meshd$i.log" 2>&1 &
        MESHD_PID[i]=$!
        lab_defer kill -TERM "$!"
    done
}

# "ready" is logged once per start: count the occurrences, so a restart waits for its own.
meshd_lab_ready_count() {
    local n=0 line
    [ -f "$LAB_SCRATCH/meshd$1.log" ] || { echo 0; return; }
    while IFS= read -r line; do case $line in *ready*" peers"*) n=$((n + 1)) ;; esac; done <"$LAB_SCRATCH/meshd$1.log"
    echo "$n"
}
meshd_lab_wait_ready() {
    local i want
    for i in "$@"; do
        want=${MESHD_READY_WANT[i]:-1}
        lab_wait_for 60 eval '[ "$(meshd_lab_ready_count '"$i"')" -ge '"$want"' ]' ||
            { lab_log "meshd $i did not get ready"; cat "$LAB_SCRATCH/meshd$i.log" >&2; return 1; }
        MESHD_READY_WANT[i]=$((want + 1))
    done
}
declare -ga MESHD_READY_WANT=()

meshd_lab_stop() {
    local i
    for i in "$@"; do
        [ -n "${MESHD_PID[i]:-}" ] || continue
        kill -TERM "${MESHD_PID[i]}" 2>/dev/null
    done
    for i in "$@"; do
        [ -n "${MESHD_PID[i]:-}" ] || continue
        lab_kill_wait "${MESHD_PID[i]}" 20
        wait "${MESHD_PID[i]}" 2>/dev/null
        MESHD_PID[i]=
    done
}

# ---- meshd scripts' checks (t/meshd-mesh.sh, t/meshd-edge.sh): start/restart one daemon,
# count its SAs and objects, time a revocation, write a config

# meshd_launch I NS CONFIG: meshd in NS, log $LAB_SCRATCH/meshdI.log (appended), pid in
# MESHD_PID[I]; meshd_ready I: waits (60 s at most) for one more "ready" line in that log than
# there was at its launch. meshd_start I NS CONFIG: both.
declare -ga MESHD_READY0=()
meshd_launch() {
    local log=$LAB_SCRATCH/meshd$1.log
    MESHD_READY0[$1]=0
    [ -f "$log" ] && meshd_log_count "MESHD_READY0[$1]" "$log" "reason=ready"
    ip netns exec "$2" "$MESHD" --config "$3" >>"$log" 2>&1 &
    MESHD_PID[$1]=$!
}
meshd_ready() {
    meshd_more_ready() { local n; meshd_log_count n "$LAB_SCRATCH/meshd$1.log" "reason=ready"; [ "$n" -gt "${MESHD_READY0[$1]}" ]; }
    lab_wait_for 60 meshd_more_ready "$1" ||
        { lab_log "meshd $1 did not get ready"; tail -5 "$LAB_SCRATCH/meshd$1.log" >&2; return 1; }
}
meshd_start() { meshd_launch "$@" && meshd_ready "$1"; }

# meshd_log_count VAR FILE STRING: the number of lines of FILE containing STRING, into VAR.
meshd_log_count() {
    local _mlc_n=0 _mlc_l   # (not "n": a caller's VAR of that name would be shadowed)
    if [ -f "$2" ]; then
        while IFS= read -r _mlc_l; do [[ $_mlc_l == *"$3"* ]] && _mlc_n=$((_mlc_n + 1)); done <"$2"
    fi
    printf -v "$1" '%d' "$_mlc_n"
}

# The SAs between two public addresses in a router's kernel (not the kernel's larval ACQUIRE
# state, SPI 0, which a trap leaves for xfrm_acq_expires whether or not a tunnel comes).
sas_between() { # NS A B
    ip -n "$1" xfrm state list | awk -v a="$2" -v b="$3" '
        /^src / { pair = ($2 == a && $4 == b) || ($2 == b && $4 == a); next }
        pair && /proto esp spi/ { if ($4 != "0x00000000") n++; pair = 0 }
        END { print n + 0 }'
}
# spis_between NS A B: those SAs' SPIs, one a line
spis_between() {
    ip -n "$1" xfrm state list | awk -v a="$2" -v b="$3" '
        /^src / { pair = ($2 == a && $4 == b) || ($2 == b && $4 == a); next }
        pair && /proto esp spi/ { if ($4 != "0x00000000") print $4; pair = 0 }'
}

# meshd_revocation_ms NS1 A NS2 B CMD...: with the SAs between A (in NS1) and B (in NS2) up,
# runs CMD (the reload), waits for those SAs to be gone from both kernels and sets REVOKE_MS to
# the time from CMD to the last deletion as the kernels' monitors (ip -ts xfrm monitor) saw it.
meshd_revocation_ms() {
    local n1=$1 a=$2 n2=$3 b=$4
    shift 4
    local m1=$LAB_SCRATCH/mon-$BASHPID-1 m2=$LAB_SCRATCH/mon-$BASHPID-2
    ip -n "$n1" -ts xfrm monitor >"$m1" 2>&1 &
    lab_defer kill $!
    ip -n "$n2" -ts xfrm monitor >"$m2" 2>&1 &
    lab_defer kill $!
    lab_sleep 2   # (ip starts slowly in a loaded guest: it must listen before the reload)
    local hup now=$EPOCHREALTIME
    printf -v hup '%(%H:%M:%S)T.%s' "${now%.*}" "${now#*.}"
    "$@"
    gone() { [ "$(sas_between "$n1" "$a" "$b")" = 0 ] && [ "$(sas_between "$n2" "$a" "$b")" = 0 ]; }
    lab_wait_for 10 gone || { lab_log "the $a-$b SAs are still there"; return 1; }
    lab_sleep 0.5
    local last
    last=$(grep -h -A1 -E "Deleted src ($a|$b) dst ($a|$b)" "$m1" "$m2" | grep -B1 "proto esp" |
        grep -o '^\[[^]]*\]' | sort | tail -1)
    [ -n "$last" ] || { lab_log "the monitors saw no SA deletion"; return 1; }
    REVOKE_MS=$(awk -v a="$hup" -v b="${last:12:15}" 'function s(t, p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
        BEGIN { printf "%d", (s(b) - s(a)) * 1000 }')
    lab_log "$a-$b SAs deleted from both kernels ${REVOKE_MS} ms after the reload (at $hup, last deletion ${last:12:15})"
}

# meshd's reqids 0x4d450000-0x4d45ffff, as ip prints them (decimal 1296367616-1296433151)
MESHD_REQID_RE='1296(3[6-9]|4[0-3])[0-9]{4}'
# meshd_objects NS: how many of meshd's kernel objects (reqid 0x4d450000-0x4d45ffff, printed
# as 1296367616-1296433151) the namespace holds, the kernel's larval ACQUIRE states aside.
meshd_objects() {
    local s p
    s=$(ip -n "$1" xfrm state list | grep -v "spi 0x00000000" | grep -cE "reqid $MESHD_REQID_RE " || true)
    p=$(ip -n "$1" xfrm policy list | grep -cE "reqid $MESHD_REQID_RE " || true)
    echo $((s + p))
}

# meshd_config NAME SUBNET LISTEN [LINE...]: a node's meshd.toml on stdout (the host part of a
# lab script writes them): NAME's certificate and key, ca.crt, directory.signed, state/, log
# level info; each LINE is added to [node] ("crl = ..."), or after it ("[lifetimes]"); the
# control socket is NAME.sock in the current directory (every meshd needs its own: they share
# one file system).
meshd_config() {
    printf '%s\n' "[node]" "name = \"$1\"" "certificate = \"$1.crt\"" "key = \"$1.key\"" 'ca = "ca.crt"' \
        'directory = "directory.signed"' "subnets = [\"$2\"]" "listen = [\"$3\"]" 'state_dir = "state"' \
        'log_level = "info"' "${@:4}" "" "[control]" "socket = \"$PWD/$1.sock\""
}
