# shellcheck shell=bash
# meshd in the guest: start/stop daemons, count their SAs, time a revocation from the kernels'
# own timestamps. Shared by t/meshd-mesh.sh and t/meshd-edge.sh; builtins and few processes.
declare -ga MESHD_PID=()

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
    lab_sleep 1
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
# level info; each LINE is added to [node] ("crl = ..."), or after it ("[lifetimes]").
meshd_config() {
    printf '%s\n' "[node]" "name = \"$1\"" "certificate = \"$1.crt\"" "key = \"$1.key\"" 'ca = "ca.crt"' \
        'directory = "directory.signed"' "subnets = [\"$2\"]" "listen = [\"$3\"]" 'state_dir = "state"' \
        'log_level = "info"' "${@:4}"
}
