# shellcheck shell=bash
# Shared by every lab script (host or guest): logging, a cleanup stack that runs on every exit
# (success, failure, signal), polling, and scenarios. Source it; it installs the EXIT/INT/TERM
# traps. Written for bash 5 and to start few processes: in the UML guest each process start
# costs 0.1-0.6 s, so timing, sleeping and waiting use builtins only.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# LAB_TRACE=1: trace every command with a timestamp (find what is slow in the guest)
if [ "${LAB_TRACE:-0}" = 1 ]; then PS4='+ ${EPOCHREALTIME} '; set -x; fi

lab_us() { printf -v "$1" '%s' "${EPOCHREALTIME//[!0-9]/}"; }   # microseconds, no process
lab_us LAB_T0
# lab_elapsed VAR SINCE_US: seconds since SINCE_US as "12.34"
lab_elapsed() {
    local now d
    lab_us now
    d=$(((now - $2) / 10000))
    printf -v "$1" '%d.%02d' $((d / 100)) $((d % 100))
}

lab_log() {
    local t
    lab_elapsed t "$LAB_T0"
    printf '[%7s] %s\n' "$t" "$*" >&2
}

lab_die() { lab_log "FAIL: $*"; exit 1; }

# lab_require_root: namespaces need root; without it the test is skipped (status 77, CTest's
# SKIP_RETURN_CODE for the lab).
lab_require_root() { [ "$(id -u)" = 0 ] || { echo "SKIP: needs root" >&2; exit 77; }; }

# Cleanup stack: lab_defer CMD ARGS... records a command (quoted safely); all recorded commands
# run in reverse order when the script (or the scenario subshell) exits for any reason.
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

# lab_sleep SECONDS: sleep without starting a process (read with a timeout on a private FIFO,
# opened once here and inherited by subshells).
lab_sleep_init() {
    local f=${TMPDIR:-/tmp}/.labsleep.$BASHPID.$RANDOM
    mkfifo -m 600 "$f" && exec {LAB_SLEEP_FD}<>"$f"
    rm -f "$f"
}
LAB_SLEEP_FD=
lab_sleep_init
lab_sleep() { read -r -t "$1" -u "$LAB_SLEEP_FD" _ || true; }

# lab_wait_for SECONDS CMD ARGS...: polls CMD every 0.1 s until it succeeds; status 1 on timeout.
lab_wait_for() {
    local start now
    lab_us start
    local limit=$(($1 * 1000000))
    shift
    until "$@" >/dev/null 2>&1; do
        lab_us now
        [ $((now - start)) -lt "$limit" ] || return 1
        lab_sleep 0.1
    done
}

# lab_file_has FILE STRING: FILE contains STRING (builtin only: for polling loops).
lab_file_has() {
    local line
    [ -f "$1" ] || return 1
    while IFS= read -r line || [ -n "$line" ]; do
        [[ $line == *"$2"* ]] && return 0
    done <"$1"
    return 1
}

# lab_copy SRC DST: copy a text file with builtins only (no NUL bytes; enough for PEM and configs).
lab_copy() {
    local c
    IFS= read -r -d '' c <"$1"
    printf '%s' "$c" >"$2"
}

# lab_kill_wait PID [GRACE_SECONDS]: SIGTERM, wait up to the grace time, then SIGKILL.
lab_kill_wait() {
    local pid=$1 grace=${2:-3} i
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        lab_sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

# lab_tmpdir VAR: makes a private scratch directory (removed on exit unless LAB_KEEP=1) and
# stores its path in VAR. Under $TMPDIR (default /tmp; in the guest /tmp is a tmpfs).
lab_tmpdir() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/meshlab.XXXXXX") || return 1
    [ "${LAB_KEEP:-0}" = 1 ] || lab_defer rm -rf "$d"
    printf -v "$1" '%s' "$d"
}

# Scenarios: several checks per script (and per guest boot), each in a subshell with its own
# cleanup stack and `set -e`, reported as "PASS name (Ns)" / "FAIL name (Ns, status N)".
#   lab_scenario NAME CMD ARGS...   run one;   lab_summary: totals, status 1 if any failed.
LAB_PASSED=0 LAB_FAILED=0 LAB_FAILED_NAMES=""
lab_scenario() {
    local name=$1 t0 dt rc
    shift
    lab_us t0
    lab_log "---- $name"
    (
        LAB_CLEANUP=()
        trap 'lab_rc=$?; trap - EXIT; lab_cleanup; exit $lab_rc' EXIT
        set -e
        "$@"
    )
    rc=$?
    lab_elapsed dt "$t0"
    if [ $rc = 0 ]; then
        LAB_PASSED=$((LAB_PASSED + 1))
        echo "PASS  $name (${dt}s)"
    else
        LAB_FAILED=$((LAB_FAILED + 1)) LAB_FAILED_NAMES+=" $name"
        echo "FAIL  $name (${dt}s, status $rc)"
    fi
}
lab_summary() {
    echo "lab: $LAB_PASSED passed, $LAB_FAILED failed${LAB_FAILED_NAMES:+ (failed:$LAB_FAILED_NAMES)}"
    [ "$LAB_FAILED" = 0 ]
}

# lab_expect_fail DESCRIPTION CMD ARGS...: succeeds only if CMD fails (a negative check).
lab_expect_fail() {
    local what=$1
    shift
    if "$@"; then
        lab_log "expected to fail but passed: $what"
        return 1
    fi
    lab_log "failed as expected: $what"
}
