#!/usr/bin/env bash
# Handshake capacity: examples/ikeload (libike initiators, one identity per handshake) against
# (a) a libike responder (examples/ikepeer, nothing installed in the kernel) and (b) Debian's
# strongSwan charon (kernel-libipsec: child SAs in userspace), in one network namespace on its
# loopback. Each responder is pinned to CPU 0 and the generator to CPU 1 (taskset); same suite,
# chain length (CA -> end entity) and one child SA per handshake. Prints handshakes/s, latency,
# the responder's CPU per handshake and RSS growth per SA, the generator's spare CPU, and the
# libike/charon ratios.
#   usage: run.sh IKELOAD IKEPEER [--smoke] [--suites "ed25519 ecdsa rsa"] [--count N]
#                 [--concurrency N] [--rate R] [--timeout SECONDS per run, default 300]
#   --smoke: 5 handshakes per suite and responder, checks only that all succeed (ctest)
set -u
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lab/lib" && pwd)
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root
ikeload=${1:?usage: $0 IKELOAD IKEPEER [options]}
ikepeer=${2:?usage: $0 IKELOAD IKEPEER [options]}
shift 2
smoke=0 suites="ed25519 ecdsa rsa" count="" concurrency=64 rate=0 timeout=300
while [ $# -gt 0 ]; do
    case $1 in
        --smoke) smoke=1 ;;
        --suites) suites=$2; shift ;;
        --count) count=$2; shift ;;
        --concurrency) concurrency=$2; shift ;;
        --rate) rate=$2; shift ;;
        --timeout) timeout=$2; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ -x /usr/lib/ipsec/charon ] && command -v swanctl >/dev/null || { echo "SKIP: strongSwan not installed" >&2; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun for kernel-libipsec" >&2; exit 77; }
command -v taskset >/dev/null || { echo "SKIP: no taskset" >&2; exit 77; }
[ "$smoke" = 0 ] || { count=5 concurrency=4; }

RESP=127.0.0.2 GEN=127.0.0.3
# one core each when there are two; on one core both share it (the smoke run still works)
if [ "$(nproc)" -ge 2 ]; then RESP_CPU=0 GEN_CPU=1; else RESP_CPU=0 GEN_CPU=0; fi
lab_tmpdir work
lab_ns ns bcap || lab_die "netns"
# charon (kernel-libipsec) routes the responder's subnet through its TUN device from an address in it
ip -n "$ns" addr add 10.0.0.1/24 dev lo || lab_die "address"

group_of() { case $1 in ed25519) echo x25519 ;; ecdsa) echo ecp256 ;; rsa) echo modp2048 ;; esac; }
proposal_of() { echo "aes256gcm16-prfsha256-$(case $1 in ed25519) echo curve25519 ;; *) group_of "$1" ;; esac)"; }
default_count() { case $1 in rsa) echo 500 ;; ecdsa) echo 1500 ;; *) echo 3000 ;; esac; }

# run_load SUITE PID OUT: the generator against the responder with that pid
run_load() {
    ip netns exec "$ns" taskset -c $GEN_CPU "$ikeload" run --dir "$work/pki-$1" --suite "$1" --server $RESP --local $GEN \
        --local-port 1500 --nat-port 14500 --count "${count:-$(default_count "$1")}" --concurrency "$concurrency" --rate "$rate" --responder-pid "$2" \
        --timeout "$timeout" >"$3" 2>"$3.err"
    local rc=$?
    cat "$3.err" >&2
    grep '^RESULT' "$3" || echo "RESULT suite=$1 failed=all" >"$3"
    return $rc
}

bench_ikepeer() { # SUITE
    local out=$work/out-ikepeer-$1 pid rc
    ip netns exec "$ns" taskset -c $RESP_CPU "$ikepeer" --local $RESP --cert "$work/pki-$1/responder.crt" \
        --key "$work/pki-$1/responder.p8" --ca "$work/pki-$1/ca.crt" --local-ts 10.0.0.0/24 --ike-group "$(group_of "$1")" \
        --quiet --exit-after 0 --max-half-open 1000000 --half-open-per-source 1000000 --cookie-threshold 1000000 \
        --liveness 0 >"$out.peer" 2>&1 &
    pid=$!
    lab_wait_for 10 lab_file_has "$out.peer" LISTENING || { cat "$out.peer" >&2; lab_kill_wait $pid; return 1; }
    run_load "$1" $pid "$out"
    rc=$?
    lab_kill_wait $pid
    wait $pid 2>/dev/null
    return $rc
}

# charon with its own config tree and a private /run (its pid file and vici socket paths are fixed)
bench_charon() { # SUITE
    local d=$work/charon-$1 out=$work/out-charon-$1 pid rc
    mkdir -p "$d/run" "$d/swanctl/x509" "$d/swanctl/x509ca" "$d/swanctl/private"
    cp "$work/pki-$1/ca.crt" "$d/swanctl/x509ca/"
    cp "$work/pki-$1/responder.crt" "$d/swanctl/x509/"
    cp "$work/pki-$1/responder.p8" "$d/swanctl/private/responder.key"
    # The same work as ikepeer: no DoS defences (ikepeer's are lifted too), a hashed IKE SA table
    # (the default is one bucket), RFC 3779 checks (addrblock: libike checks TSi against the
    # blocks), short MODP exponents as libike uses (RFC 3526 §8), no logging (ikepeer --quiet).
    cat >"$d/strongswan.conf" <<X
charon {
  load = random nonce pem pkcs1 pkcs8 pubkey x509 constraints addrblock openssl kdf kernel-libipsec kernel-netlink socket-default vici
  dos_protection = no
  cookie_threshold = 1000000
  block_threshold = 1000000
  init_limit_half_open = 0
  ikesa_table_size = 32768
  ikesa_table_segments = 16
  dh_exponent_ansi_x9_42 = no
  rsa_pss = yes
  install_routes = no
  install_virtual_ip = no
  syslog { daemon { default = -1 } }
  filelog { log { path = $d/charon.log
    default = ${CHARON_LOG:--1}
    } }
}
X
    cat >"$d/swanctl/swanctl.conf" <<X
connections {
  load {
    version = 2
    local_addrs = $RESP
    proposals = $(proposal_of "$1")
    rekey_time = 0
    local { auth = pubkey
      certs = responder.crt
      id = responder.load
    }
    remote { auth = pubkey }
    children { net {
      local_ts = 10.0.0.0/24
      remote_ts = 10.128.0.0/9
      esp_proposals = aes256gcm16
      rekey_time = 0
      start_action = none
    } }
  }
}
X
    ip netns exec "$ns" sh -c "mount --bind '$d/run' /run && STRONGSWAN_CONF='$d/strongswan.conf' exec taskset -c $RESP_CPU /usr/lib/ipsec/charon" \
        >"$d/charon.stdout" 2>&1 &
    pid=$!
    if ! lab_wait_for 30 test -S "$d/run/charon.vici" ||
        ! SWANCTL_DIR=$d/swanctl STRONGSWAN_CONF=$d/strongswan.conf swanctl --load-all --noprompt \
            --uri "unix://$d/run/charon.vici" >"$d/load.log" 2>&1; then
        cat "$d/charon.stdout" "$d/load.log" >&2
        lab_kill_wait $pid
        return 1
    fi
    run_load "$1" $pid "$out"
    rc=$?
    lab_kill_wait $pid 5
    wait $pid 2>/dev/null
    return $rc
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

status=0
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); responder on CPU $RESP_CPU, generator on CPU $GEN_CPU"
for s in $suites; do
    "$ikeload" pki --dir "$work/pki-$s" --suite "$s" || lab_die "pki $s"
    bench_ikepeer "$s" || { echo "FAIL: libike responder, $s" >&2; status=1; }
    bench_charon "$s" || { echo "FAIL: charon, $s" >&2; status=1; }
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-8s | %-9s | %6s | %9s | %7s | %7s | %12s | %11s | %9s | %9s | %10s |\n' suite responder ok "hs/s" "p50 ms" "p99 ms" \
    "CPU ms/hs" "hs/s per core" "resp busy" "gen spare" "RSS KB/SA"
printf '|%s|\n' "----------|-----------|--------|-----------|---------|---------|--------------|---------------|-----------|-----------|------------"
for s in $suites; do
    for r in ikepeer charon; do
        f=$work/out-$r-$s
        # hs/s per core: 1000 / CPU ms per handshake, the rate one core would sustain on CPU alone
        printf '| %-8s | %-9s | %6s | %9s | %7s | %7s | %12s | %13s | %8s%% | %8s%% | %10s |\n' "$s" \
            "$([ $r = ikepeer ] && echo libike || echo charon)" "$(field "$f" ok)" "$(field "$f" hs_per_s)" \
            "$(field "$f" p50_ms)" "$(field "$f" p99_ms)" "$(field "$f" resp_cpu_ms_per_hs)" \
            "$(ratio 1000 "$(field "$f" resp_cpu_ms_per_hs)")" "$(field "$f" resp_busy_pct)" \
            "$(field "$f" gen_spare_pct)" "$(field "$f" resp_rss_kb_per_sa)"
    done
done
echo
printf '| %-8s | %-22s | %-28s | %-24s |\n' suite "hs/s libike / charon" "CPU per hs charon / libike" "RSS per SA charon / libike"
printf '|%s|\n' "----------|------------------------|------------------------------|--------------------------"
for s in $suites; do
    a=$work/out-ikepeer-$s b=$work/out-charon-$s
    printf '| %-8s | %-22s | %-28s | %-24s |\n' "$s" "$(ratio "$(field "$a" hs_per_s)" "$(field "$b" hs_per_s)")" \
        "$(ratio "$(field "$b" resp_cpu_ms_per_hs)" "$(field "$a" resp_cpu_ms_per_hs)")" \
        "$(ratio "$(field "$b" resp_rss_kb_per_sa)" "$(field "$a" resp_rss_kb_per_sa)")"
done
exit $status
