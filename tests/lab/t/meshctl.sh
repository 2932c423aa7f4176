#!/usr/bin/env bash
# meshctl against three meshd sites over real ESP (issue 16 acceptance), one guest boot:
#   - every command in both output forms; status --json checked field by field against
#     `ip -s xfrm state` / `ip xfrm policy` (SPIs, addresses, reqid, algorithm, bytes, packets,
#     policies) and the IKE SPIs against the peer's own status;
#   - up / down / down --hold / up steer the tunnels (the trap stays after down, traffic waits
#     while held); an unknown peer is refused (exit 1); reload and log-level answer;
#   - authorisation: a caller in the status group reads status and is refused `down`; one
#     outside it cannot connect (exit 1);
#   - garbage on the socket (random bytes, a 10 MiB line, a half request) leaves meshd serving;
#   - stop: SIGTERM removes the socket and every kernel object of meshd; meshctl then exits 3.
#   usage: meshctl.sh MESHD MESHCA MESHCTL       (exit 77: the lab cannot run on this machine)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib/common.sh"
source "$here/lib/mesh.sh"
SOCKDIR=/run/meshd-lab   # the guest's /run is a tmpfs: UNIX sockets work there
GROUP=users              # an existing group (the guest's /etc is the host's, read-only)
check=$here/lib/meshctl_check.py

ctl() { "$MESHCTL" --socket "$SOCKDIR/site$1.sock" "${@:2}"; }

guest_part() {
    source "$here/lib/netns.sh"
    lab_sites 3
    local i
    for i in 1 2 3; do mesh_start "$GUEST_WORK" "$MESHD" "$i" "$LAB_SCRATCH/meshd$i.log"; done
    for i in 1 2 3; do
        lab_wait_for 60 mesh_ready "$LAB_SCRATCH/meshd$i.log" ||
            { lab_log "meshd $i did not get ready"; cat "$LAB_SCRATCH/meshd$i.log"; }
    done
    lab_scenario status-json-matches-the-kernel status_vs_kernel
    lab_scenario every-command-both-forms every_command
    lab_scenario down-hold-up steering
    lab_scenario group-reads-status-root-changes authorisation
    lab_scenario garbage-leaves-meshd-serving garbage
    lab_scenario stop-removes-socket-and-state stop_all
    for i in 1 2 3; do sed "s/^/meshd$i: /" "$LAB_SCRATCH/meshd$i.log" | grep -v debug | tail -8; done
    lab_summary
}

status_vs_kernel() {
    ip netns exec "${SITE_H[1]}" ping -c 3 -i 0.2 -W 10 "${SITE_HOST[2]}" >/dev/null
    lab_sleep 0.3  # the last reply's counters settle
    local s=$LAB_SCRATCH
    ctl 1 status --json >"$s/nyc.json"
    ctl 2 status --json >"$s/fl.json"
    ip -n "${SITE_R[1]}" -s xfrm state >"$s/state1.txt"
    ip -n "${SITE_R[1]}" xfrm policy >"$s/policy1.txt"
    ip -n "${SITE_R[2]}" -s xfrm state >"$s/state2.txt"
    ip -n "${SITE_R[2]}" xfrm policy >"$s/policy2.txt"
    "$check" xfrm "$s/nyc.json" "$s/state1.txt" "$s/policy1.txt"
    "$check" xfrm "$s/fl.json" "$s/state2.txt" "$s/policy2.txt"
    "$check" ike "$s/nyc.json" "$s/fl.json" "${MESH_NAMES[1]}" "${MESH_NAMES[2]}"
    ctl 1 status
    ctl 1 status | grep -q "^${MESH_NAMES[2]} .* up$"
    ctl 1 status | grep -q "^${MESH_NAMES[3]} .* trap$"
}

every_command() {
    local c
    for c in status peers sas version; do
        ctl 1 "$c" >"$LAB_SCRATCH/t" || { lab_log "$c failed"; return 1; }
        ctl 1 "$c" --json | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || { lab_log "$c --json is not JSON"; return 1; }
    done
    ctl 1 peers | grep -q "^PEER  *ENDPOINT  *SUBNETS  *STATE"
    ctl 1 sas | grep -q "AES-GCM"
    ctl 1 version | grep -q "^meshd 0\."
    ctl 1 reload | grep -q "reloaded: directory serial 1"
    [ "$(ctl 1 reload --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["directory_serial"])')" = 1 ]
    ctl 1 log-level debug | grep -q "log level debug"
    ctl 1 log-level info --json | grep -q '"level": "info"'
    ctl 1 up "${MESH_NAMES[3]}" | grep -q "initiated"
    ctl 1 up "${MESH_NAMES[3]}" --json | grep -q '"peer"'
    local rc=0
    ctl 1 down nobody.mesh.example 2>"$LAB_SCRATCH/err" || rc=$?
    [ $rc = 1 ] && grep -q "unknown peer" "$LAB_SCRATCH/err" || { lab_log "unknown peer: status $rc"; return 1; }
    rc=0
    ctl 1 up nobody.mesh.example --json >"$LAB_SCRATCH/err" || rc=$?
    [ $rc = 1 ] && grep -q '"error": "refused"' "$LAB_SCRATCH/err"
}

sas_between() { # NS A B: SAs (not larval) between two public addresses
    ip -n "$1" xfrm state list | awk -v a="$2" -v b="$3" '
        /^src / { pair = ($2 == a && $4 == b) || ($2 == b && $4 == a); next }
        pair && /proto esp spi/ { if ($4 != "0x00000000") n++; pair = 0 }
        END { print n + 0 }'
}

steering() {
    # `up` above brought nyc-ca up without a packet
    has_ca() { [ "$(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.3)" -ge 2 ]; }
    lab_wait_for 10 has_ca || { lab_log "up: no nyc-ca SAs"; return 1; }
    ctl 1 down "${MESH_NAMES[3]}"
    no_ca() { [ "$(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.3)" = 0 ] && [ "$(sas_between "${SITE_R[3]}" 192.0.2.1 192.0.2.3)" = 0 ]; }
    lab_wait_for 10 no_ca || { lab_log "down: nyc-ca SAs still there"; return 1; }
    ctl 1 peers | grep -q "^${MESH_NAMES[3]} .* trap$"
    lab_ping "${SITE_H[1]}" "${SITE_HOST[3]}" 2 >/dev/null || ip netns exec "${SITE_H[1]}" ping -c 1 -W 10 "${SITE_HOST[3]}" >/dev/null
    ctl 1 down --hold "${MESH_NAMES[2]}" | grep -q "held"
    no_fl() { [ "$(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.2)" = 0 ]; }
    lab_wait_for 10 no_fl || { lab_log "down --hold: nyc-fl SAs still there"; return 1; }
    ctl 1 peers | grep -q "^${MESH_NAMES[2]} .* held$"
    if ip netns exec "${SITE_H[1]}" ping -c 2 -W 2 "${SITE_HOST[2]}" >/dev/null; then lab_log "held, yet fl answers"; return 1; fi
    [ "$(sas_between "${SITE_R[1]}" 192.0.2.1 192.0.2.2)" = 0 ]
    ctl 1 up "${MESH_NAMES[2]}"
    lab_ping "${SITE_H[1]}" "${SITE_HOST[2]}" 2 >/dev/null || ip netns exec "${SITE_H[1]}" ping -c 1 -W 10 "${SITE_HOST[2]}" >/dev/null
    ctl 1 peers | grep -q "^${MESH_NAMES[2]} .* up$"
}

authorisation() {
    # meshctl must be reachable by an unprivileged user: copy it onto the guest's tmpfs
    local bin=$LAB_SCRATCH/bin rc
    mkdir -p "$bin" && cp "$MESHCTL" "$bin/meshctl" && chmod 755 "$LAB_SCRATCH" "$bin" "$bin/meshctl"
    ls -l "$SOCKDIR/site1.sock"
    [ "$(stat -c '%a %G' "$SOCKDIR/site1.sock")" = "660 $GROUP" ]
    as() { setpriv --reuid=nobody --regid="$1" --clear-groups "$bin/meshctl" --socket "$SOCKDIR/site1.sock" "${@:2}"; }
    as "$GROUP" status >/dev/null || { lab_log "the status group cannot read status"; return 1; }
    as "$GROUP" sas --json | /usr/bin/python3 -c 'import json,sys; assert json.load(sys.stdin)["child_sas"]'
    rc=0
    as "$GROUP" down "${MESH_NAMES[2]}" 2>"$LAB_SCRATCH/err" || rc=$?
    cat "$LAB_SCRATCH/err"
    [ $rc = 1 ] && grep -q unauthorised "$LAB_SCRATCH/err" || { lab_log "down by the group: status $rc"; return 1; }
    rc=0
    as nogroup status 2>"$LAB_SCRATCH/err" || rc=$?
    cat "$LAB_SCRATCH/err"
    [ $rc = 1 ] || { lab_log "status by an outsider: status $rc"; return 1; }
    ctl 1 peers | grep -q "^${MESH_NAMES[2]} .* up$"  # nothing was taken down
}

garbage() {
    "$check" garbage "$SOCKDIR/site1.sock"
    kill -0 "${MESH_PID[1]}"
    ctl 1 status >/dev/null
}

stop_all() {
    mesh_stop 1 2 3 || { lab_log "a meshd did not exit on SIGTERM"; return 1; }
    local i rc=0
    for i in 1 2 3; do
        [ ! -e "$SOCKDIR/site$i.sock" ] || { lab_log "site $i: socket left"; return 1; }
        [ "$(mesh_our_objects "${SITE_R[i]}")" = 0 ] || { lab_log "site $i: kernel objects left"; return 1; }
    done
    ctl 1 status 2>"$LAB_SCRATCH/err" || rc=$?
    cat "$LAB_SCRATCH/err"
    [ $rc = 3 ] && grep -q "$SOCKDIR/site1.sock" "$LAB_SCRATCH/err"
}

if [ "${LAB_IN_GUEST:-0}" = 1 ]; then
    guest_part
    exit
fi

meshd=${1:?usage: $0 MESHD MESHCA MESHCTL} meshca=${2:?usage} meshctl=${3:?usage}
lab_require_root
[ -x "$meshd" ] && [ -x "$meshca" ] && [ -x "$meshctl" ] || lab_die "meshd, meshca or meshctl not found"
meshd=$(realpath "$meshd") meshca=$(realpath "$meshca") meshctl=$(realpath "$meshctl")
lab_tmpdir work
mesh_make "$work" "$meshca" "$meshd" 3 "$SOCKDIR" "$GROUP" || lab_die "cannot make the CA, the nodes and their configs"
"$here/uml-run" -t 300 -w "$work" -e GUEST_WORK="$work" -e MESHD="$meshd" -e MESHCTL="$meshctl" -- "$here/t/meshctl.sh"
