#!/usr/bin/env bash
# meshctl against two meshd in network namespaces on the host (issue 16): the host kernel has no
# ESP, so child SAs cannot be installed, but IKE SAs, status and the control socket all work:
#   - meshd not running: exit 3 naming the socket; every command in both forms;
#   - `up` brings an IKE SA up: its SPIs are the same in both nodes' status --json; the kernel's
#     refusal of ESP is reported, not fatal;
#   - a caller in the status group reads status and is refused `down`; an outsider cannot
#     connect; an unknown peer is refused (exit 1);
#   - garbage (random bytes, a 10 MiB line, a half request) leaves meshd serving;
#   - SIGTERM removes the socket and meshd's kernel objects.
#   usage: meshctl-netns.sh MESHD MESHCA MESHCTL     (exit 77 without root)
set -u
lab=$(cd "$(dirname "$0")/../lab" && pwd)
source "$lab/lib/common.sh"
source "$lab/lib/netns.sh"
source "$lab/lib/mesh.sh"
meshd=${1:?usage: $0 MESHD MESHCA MESHCTL} meshca=${2:?usage} meshctl=${3:?usage}
lab_require_root
meshd=$(realpath "$meshd") meshca=$(realpath "$meshca") meshctl=$(realpath "$meshctl")
check=$lab/lib/meshctl_check.py
lab_tmpdir work
SOCKDIR=$work/run
GROUP=users
mkdir -p "$SOCKDIR"
mesh_make "$work" "$meshca" "$meshd" 2 "$SOCKDIR" "$GROUP" || lab_die "cannot make the mesh"
ctl() { "$meshctl" --socket "$SOCKDIR/site$1.sock" "${@:2}"; }

not_running() {
    local rc=0
    ctl 1 status 2>"$work/err" || rc=$?
    cat "$work/err"
    [ $rc = 3 ] && grep -q "$SOCKDIR/site1.sock" "$work/err"
}
lab_scenario meshd-not-running-exit-3 not_running

lab_sites 2 || lab_die "cannot make the namespaces"
lab_defer mesh_stop 1 2
for i in 1 2; do mesh_start "$work" "$meshd" "$i" "$work/meshd$i.log"; done
for i in 1 2; do lab_wait_for 30 mesh_ready "$work/meshd$i.log" || { cat "$work/meshd$i.log"; lab_die "meshd $i not ready"; }; done

every_command() {
    local c
    for c in status peers sas version; do
        ctl 1 "$c" >/dev/null || { lab_log "$c failed"; return 1; }
        ctl 1 "$c" --json | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || { lab_log "$c --json"; return 1; }
    done
    ctl 1 peers | grep -q "^${MESH_NAMES[2]} .* trap$"
    ctl 1 reload | grep -q "reloaded: directory serial 1"
    ctl 1 reload --json | grep -q '"directory_serial": 1'
    ctl 1 log-level debug | grep -q "log level debug"
    ctl 1 log-level info --json | grep -q '"level": "info"'
    ctl 1 version --json | grep -q "\"name\": \"${MESH_NAMES[1]}\""
    ctl 1 down "${MESH_NAMES[2]}" --json | grep -q '"result"'
    local rc=0
    ctl 1 up nobody.mesh.example 2>"$work/err" || rc=$?
    [ $rc = 1 ] && grep -q "unknown peer" "$work/err"
}
lab_scenario every-command-both-forms every_command

ike_sa() {
    ctl 1 up "${MESH_NAMES[2]}" | grep -q initiated
    established() { ctl 2 sas --json | grep -q '"state": "established"'; }
    lab_wait_for 20 established || { lab_log "no IKE SA"; return 1; }
    ctl 1 status --json >"$work/a.json"
    ctl 2 status --json >"$work/b.json"
    "$check" ike "$work/a.json" "$work/b.json" "${MESH_NAMES[1]}" "${MESH_NAMES[2]}"
    ctl 1 sas
    ctl 1 sas | grep -q "^${MESH_NAMES[2]}  *established  *initiator "
}
lab_scenario up-ike-sa-same-spis-both-ends ike_sa

authorisation() {
    local bin=$work/bin rc
    mkdir -p "$bin" && cp "$meshctl" "$bin/meshctl" && chmod 755 "$work" "$bin" "$bin/meshctl" "$SOCKDIR"
    [ "$(stat -c '%a %G' "$SOCKDIR/site1.sock")" = "660 $GROUP" ]
    as() { setpriv --reuid=nobody --regid="$1" --clear-groups "$bin/meshctl" --socket "$SOCKDIR/site1.sock" "${@:2}"; }
    as "$GROUP" status >/dev/null
    as "$GROUP" peers --json | grep -q "${MESH_NAMES[2]}"
    rc=0
    as "$GROUP" down "${MESH_NAMES[2]}" 2>"$work/err" || rc=$?
    [ $rc = 1 ] && grep -q unauthorised "$work/err" || { lab_log "down by the group: $rc"; cat "$work/err"; return 1; }
    rc=0
    as nogroup status 2>"$work/err" || rc=$?
    [ $rc = 1 ] || { lab_log "status by an outsider: $rc"; cat "$work/err"; return 1; }
}
lab_scenario group-reads-status-root-changes authorisation

garbage() {
    "$check" garbage "$SOCKDIR/site1.sock"
    kill -0 "${MESH_PID[1]}"
    ctl 1 status >/dev/null
}
lab_scenario garbage-leaves-meshd-serving garbage

stop() {
    mesh_stop 1 2
    [ ! -e "$SOCKDIR/site1.sock" ] && [ ! -e "$SOCKDIR/site2.sock" ]
    [ "$(mesh_our_objects "${SITE_R[1]}")" = 0 ] && [ "$(mesh_our_objects "${SITE_R[2]}")" = 0 ]
}
lab_scenario sigterm-removes-socket-and-state stop
lab_summary
