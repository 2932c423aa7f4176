# shellcheck shell=bash
# A mesh of meshd sites on lab_sites' topology (netns.sh), shared by tests/lab/t/meshctl.sh,
# tests/meshd/meshctl-netns.sh and scripts/demo: site i is MESH_NAMES[i] with subnet 10.0.i.0/24
# behind router ${SITE_R[i]} (192.0.2.i), certified by a fresh meshca CA, listed in one signed
# directory.
MESH_NAMES=(- nyc.mesh.example fl.mesh.example ca.mesh.example)
declare -ga MESH_PID=()

# mesh_make WORK MESHCA MESHD N SOCKDIR [GROUP]: the CA (WORK/ca), N nodes, the signed directory
# and each site's folder WORK/site<i> (certificate, key, ca.crt, directory.signed, an empty
# blocklist, state/, meshd.toml with its control socket SOCKDIR/site<i>.sock readable by GROUP).
# Checked with meshd --check-config. Runs on the host (process starts are cheap there).
mesh_make() {
    local work=$1 meshca=$2 meshd=$3 n=$4 sockdir=$5 group=${6:-} i
    (
        cd "$work" || exit 1
        export MESHCA_UNSAFE_NO_FSYNC=1
        "$meshca" init --name "meshd mesh CA" --subnets 10.0.0.0/16 --dir ca >/dev/null || exit 1
        : >nodes
        for ((i = 1; i <= n; i++)); do
            mkdir -p "site$i/state"
            "$meshca" issue --dir ca --name "${MESH_NAMES[i]}" --subnets "10.0.$i.0/24" --endpoint "192.0.2.$i" \
                --out-dir "site$i" >/dev/null || exit 1
            echo "node ${MESH_NAMES[i]} 192.0.2.$i 10.0.$i.0/24" >>nodes
        done
        "$meshca" directory sign --dir ca nodes >/dev/null || exit 1
        for ((i = 1; i <= n; i++)); do
            cp ca/ca.crt directory.signed "site$i/" || exit 1
            : >"site$i/blocklist"
            cat >"site$i/meshd.toml" <<X
[node]
name = "${MESH_NAMES[i]}"
certificate = "${MESH_NAMES[i]}.crt"
key = "${MESH_NAMES[i]}.key"
ca = "ca.crt"
blocklist = "blocklist"
directory = "directory.signed"
subnets = ["10.0.$i.0/24"]
listen = ["192.0.2.$i"]
state_dir = "state"
log_level = "info"

[control]
socket = "$sockdir/site$i.sock"
${group:+group = \"$group\"}
X
            "$meshd" --config "site$i/meshd.toml" --check-config >/dev/null || exit 1
        done
    )
}

# mesh_start WORK MESHD I LOG: meshd of site I in its router namespace; its pid in MESH_PID[I].
mesh_start() {
    ip netns exec "${SITE_R[$3]}" "$2" --config "$1/site$3/meshd.toml" >"$4" 2>&1 &
    MESH_PID[$3]=$!
}

# mesh_ready LOG: meshd logged that its traps are in (start done, control socket open).
mesh_ready() { lab_file_has "$1" "start reason=ready"; }

# mesh_stop I...: SIGTERM to those sites' meshd and wait up to 20 s for each to exit.
mesh_stop() {
    local i
    for i in "$@"; do kill -TERM "${MESH_PID[i]}" 2>/dev/null || true; done
    mesh_exited() { local j; for j in "$@"; do ! kill -0 "${MESH_PID[j]}" 2>/dev/null || return 1; done; }
    lab_wait_for 20 mesh_exited "$@"
}

# mesh_our_objects NS: how many of meshd's kernel objects (reqid 0x4d450000-0x4d45ffff, printed
# in decimal by ip) are in NS; the kernel's own larval ACQUIRE states (SPI 0) are not counted.
mesh_our_objects() {
    local n=0 line
    while IFS= read -r line; do
        [[ $line == *"spi 0x00000000"* ]] && continue
        [[ $line =~ reqid\ 1296(3[6-9]|4[0-3])[0-9]{5}\  ]] && n=$((n + 1))
    done < <(ip -n "$1" xfrm state list; ip -n "$1" xfrm policy list)
    echo "$n"
}
