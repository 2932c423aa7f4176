#!/usr/bin/env bash
# Checks tests/lab/uml-run itself, on the host: the command's exit status and output come back,
# -w directories and the scratch directory are writable, -e reaches the command, the kernel has
# ESP; a command that outlives -t is stopped with status 125 and leaves no guest process; a guest
# that cannot boot gives 125 with the panic shown.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib/common.sh"
lab_require_root
run=$here/uml-run

status_and_output() {
    local out rc=0
    out=$("$run" -t 240 -w "$work" -e LAB_PROBE=hello -- bash -c '
        echo "probe=$LAB_PROBE kernel=$(uname -r)"
        echo ok >"$LAB_SCRATCH/scratch-test" && echo scratch-writable
        echo from-guest >'"$work"'/out.txt
        grep -q "^esp4 " /proc/modules && echo esp4-loaded
        exit 7' 2>&1) || rc=$?
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    [ $rc = 7 ] || { lab_log "status $rc, expected 7"; return 1; }
    [[ $out == *probe=hello* && $out == *scratch-writable* && $out == *esp4-loaded* ]] ||
        { lab_log "output incomplete"; return 1; }
    [ "$(<"$work/out.txt")" = from-guest ] || { lab_log "-w directory not written"; return 1; }
}

timeout_is_125_and_clean() {
    local out rc=0 state
    out=$("$run" -k -t 8 -- sleep 600 2>&1) || rc=$?
    printf '%s\n' "$out" | sed 's/^/    /' >&2
    state=$(sed -n 's/^uml-run: state kept in //p' <<<"$out")
    [ -n "$state" ] && lab_defer rm -rf "$state"
    [ $rc = 125 ] || { lab_log "status $rc, expected 125"; return 1; }
    [[ $out == *"GUEST FAILURE"* || $out == *"CANNOT BOOT"* ]] || { lab_log "no reason given"; return 1; }
    if pgrep -f -- "labstate=$state" >/dev/null; then
        lab_log "guest processes left behind: $(pgrep -f -- "labstate=$state" | tr '\n' ' ')"
        return 1
    fi
}

# A guest that cannot boot on a machine that should run the lab is a failure (125), not a skip,
# and the panic is shown: provoked with the emulated AMX mismatch and the shim left out.
boot_failure_is_125_with_panic() {
    local out rc=0
    out=$(LAB_XSTATE_EMULATE=832 LAB_XSTATE_SHIM=0 "$run" -t 60 -- true 2>&1) || rc=$?
    printf '%s\n' "$out" | tail -4 | sed 's/^/    /' >&2
    [ $rc = 125 ] || { lab_log "status $rc, expected 125"; return 1; }
    [[ $out == *"CANNOT BOOT"* && $out == *"Kernel panic"* ]] || { lab_log "no CANNOT BOOT with the panic"; return 1; }
}

lab_tmpdir work
lab_scenario uml-run-status-output-dirs status_and_output
lab_scenario uml-run-timeout-125-no-leftovers timeout_is_125_and_clean
lab_scenario uml-run-boot-failure-125-panic-shown boot_failure_is_125_with_panic
lab_summary
