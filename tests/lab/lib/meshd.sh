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
