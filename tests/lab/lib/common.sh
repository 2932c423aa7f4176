# shellcheck shell=bash
# Shared by every lab script (host or guest): logging, a cleanup stack that runs on every exit
# (success, failure, signal), and polling. Source it; it installs the EXIT/INT/TERM traps.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_T0=${LAB_T0:-$(cut -d' ' -f1 /proc/uptime)}

lab_log() {
    local now
    now=$(cut -d' ' -f1 /proc/uptime)
    awk -v a="$LAB_T0" -v b="$now" -v m="$*" 'BEGIN { printf "[%6.2f] %s\n", b - a, m }' >&2
}

lab_die() { lab_log "FAIL: $*"; exit 1; }

# Cleanup stack: lab_defer CMD ARGS... records a command (quoted safely); all recorded commands
# run in reverse order when the script exits for any reason. Errors in cleanup are ignored.
LAB_CLEANUP=()
lab_defer() {
    local s
    printf -v s '%q ' "$@"
    LAB_CLEANUP+=("$s")
}
lab_cleanup() {
    local i
    for ((i = ${#LAB_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${LAB_CLEANUP[i]}" >/dev/null 2>&1 || true
    done
    LAB_CLEANUP=()
}
trap 'lab_rc=$?; trap - EXIT; lab_cleanup; exit $lab_rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# lab_wait_for SECONDS CMD ARGS...: polls CMD every 0.1 s until it succeeds; status 1 on timeout.
lab_wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# lab_kill_wait PID [GRACE_SECONDS]: SIGTERM, wait up to the grace time, then SIGKILL.
lab_kill_wait() {
    local pid=$1 grace=${2:-3} i
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

# lab_tmpdir VAR: makes a private scratch directory (removed on exit unless LAB_KEEP=1) and
# stores its path in VAR. Under $TMPDIR (default /tmp; in the guest /tmp is a tmpfs).
lab_tmpdir() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/meshlab.XXXXXX")
    [ "${LAB_KEEP:-0}" = 1 ] || lab_defer rm -rf "$d"
    printf -v "$1" '%s' "$d"
}
