#!/usr/bin/env bash
# Every command of the README's "Quick start: two machines" (issue 16), as written there: the
# fenced blocks after <!-- quickstart:ca|node|use|refresh --> are extracted and run. The CA
# machine is a folder on the host; machines A (nyc) and B (fl) are the two router namespaces of
# lab_sites in one guest (real ESP: the README's ping must be answered). What differs from a real
# deployment is substituted, and only that: /etc/meshd, /run/meshd, /var/lib/meshd and
# /etc/systemd/system become per-machine folders; `scp` copies into them; `groupadd` is not run
# and the socket group is "users" (the guest's /etc is the host's, read-only); `systemctl` starts
# meshd in the machine's namespace (enable --now) or sends it SIGHUP (reload). B's node block is
# A's with B's name, subnet and address, as the README says.
#   usage: quickstart.sh README BUILD_DIR        (exit 77: the lab cannot run here)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/lib/common.sh"

# block NAME: the README's sh block after <!-- quickstart:NAME -->
block() {
    awk -v tag="<!-- quickstart:$1 -->" '
        $0 == tag { found = 1; next }
        found && /^```sh$/ { inside = 1; next }
        inside && /^```$/ { exit }
        inside { print }' "$README"
}

# for_machine M SCRIPT: the README text with machine M's folders (M = A or B)
for_machine() {
    sed -e "s#/etc/meshd#$WORK/$1/etc#g" -e "s#/run/meshd/#/run/meshd-$1/#g" -e "s#/var/lib/meshd#$WORK/$1/state#g" \
        -e "s#/etc/systemd/system#$WORK/$1/systemd#g" -e 's#^group = "meshd"#group = "users"#'
}
as_b() { sed -e 's/nyc\.mesh/fl.mesh/g' -e 's#10\.0\.1\.0/24#10.0.2.0/24#g' -e 's/192\.0\.2\.1"/192.0.2.2"/g'; }

# The commands a real machine has and the test replaces.
machine_functions() {
    cat <<'F'
scp() {
    local args=("$@") dest=${!#} host dir
    host=${dest%%:*} dir=${dest#*:}
    case $host in *192.0.2.1) dir=$WORK/A/etc/ ;; *192.0.2.2) dir=$WORK/B/etc/ ;; *) return 1 ;; esac
    cp "${args[@]:0:$#-1}" "$dir"
}
groupadd() { :; }
systemctl() {
    case "$*" in
        daemon-reload) ;;
        "enable --now meshd")
            ip netns exec "$NS" "$MESHD_BIN" -c "$WORK/$M/etc/meshd.toml" >"$WORK/$M/meshd.log" 2>&1 &
            echo $! >"$WORK/$M/pid" ;;
        "reload meshd") kill -HUP "$(cat "$WORK/$M/pid")" ;;
        *) echo "systemctl $*: not emulated" >&2; return 1 ;;
    esac
}
F
}

guest_part() {
    source "$here/lib/netns.sh"
    source "$here/lib/mesh.sh"
    lab_sites 2
    export PATH=$BUILD/daemon/meshd:$BUILD/daemon/meshca:$BUILD/daemon/meshctl:$PATH MESHD_BIN=$BUILD/daemon/meshd/meshd WORK
    run_node() { # M NS
        mkdir -p "$WORK/$1/etc" "$WORK/$1/state" "$WORK/$1/systemd"
        local text
        text=$(block node)
        [ "$1" = B ] && text=$(printf '%s\n' "$text" | as_b)
        (cd "$REPO" && M=$1 NS=$2 bash -euo pipefail -c "$(machine_functions)
$(printf '%s\n' "$text" | for_machine "$1")")
    }
    nodes() {
        run_node A "${SITE_R[1]}" && run_node B "${SITE_R[2]}" || return 1
        MESH_PID[1]=$(cat "$WORK/A/pid") MESH_PID[2]=$(cat "$WORK/B/pid")
        lab_wait_for 30 mesh_ready "$WORK/A/meshd.log" && lab_wait_for 30 mesh_ready "$WORK/B/meshd.log"
        cmp -s "$REPO/daemon/meshd/meshd.service" "$WORK/A/systemd/meshd.service"
    }
    use() {
        (cd "$WORK/ca-machine" && export MESHD_SOCKET=/run/meshd-A/meshd.sock &&
            ip netns exec "${SITE_R[1]}" bash -euo pipefail -c "$(block use | for_machine A)") | tee "$WORK/use.out"
        grep -q " 0% packet loss" "$WORK/use.out"
        grep -q '"child_sas"' "$WORK/use.out"
        grep -q "fl.mesh.example: 1 IKE SAs deleted" "$WORK/use.out"
    }
    refresh() {
        local before after
        crl_number() { MESHD_SOCKET=/run/meshd-A/meshd.sock meshctl status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["crl"]["crl_number"])'; }
        before=$(crl_number)
        (cd "$WORK/ca-machine" && export MESHD_SOCKET=/run/meshd-A/meshd.sock MESHCA_UNSAFE_NO_FSYNC=1 &&
            ip netns exec "${SITE_R[1]}" bash -euo pipefail -c "$(machine_functions)
$(block refresh | for_machine A)")
        MESHD_SOCKET=/run/meshd-A/meshd.sock meshctl status >"$WORK/status.txt"
        cat "$WORK/status.txt"
        grep -q "^directory  *serial 2," "$WORK/status.txt"
        after=$(crl_number)
        lab_log "CRL number $before -> $after"
        [ "$after" -gt "$before" ]
        ip netns exec "${SITE_R[1]}" ping -c 1 -W 5 -I 10.0.1.1 10.0.2.1 >/dev/null
    }
    lab_scenario readme-node-blocks-a-and-b nodes
    lab_scenario readme-ping-status-sas-down use
    lab_scenario readme-refresh-crl-renew-directory-reload refresh
    MESH_PID[1]=$(cat "$WORK/A/pid") MESH_PID[2]=$(cat "$WORK/B/pid")
    mesh_stop 1 2
    lab_summary
}

if [ "${LAB_IN_GUEST:-0}" = 1 ]; then
    guest_part
    exit
fi

README=${1:?usage: $0 README BUILD_DIR} BUILD=${2:?usage: $0 README BUILD_DIR}
lab_require_root
README=$(realpath "$README") BUILD=$(realpath "$BUILD") REPO=$(cd "$(dirname "$README")" && pwd)
lab_tmpdir WORK
mkdir -p "$WORK/ca-machine" "$WORK/A/etc" "$WORK/B/etc"
export WORK PATH=$BUILD/daemon/meshca:$PATH MESHCA_UNSAFE_NO_FSYNC=1
(cd "$WORK/ca-machine" && bash -euo pipefail -c "$(machine_functions)
$(block ca)") >/dev/null || lab_die "the README's CA block failed"
[ -s "$WORK/A/etc/nyc.mesh.example.key" ] && [ -s "$WORK/B/etc/directory.signed" ] || lab_die "the CA block did not reach the machines"
"$here/uml-run" -t 240 -w "$WORK" -e WORK="$WORK" -e BUILD="$BUILD" -e README="$README" -e REPO="$REPO" -- "$here/t/quickstart.sh"
