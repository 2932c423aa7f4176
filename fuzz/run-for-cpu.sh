#!/usr/bin/env bash
# Runs one fuzzer until it has used CPU_SECONDS of CPU time (not wall time: on the shared,
# loaded machine a nice'd fuzzer gets a fraction of a core), then stops it with SIGINT so that
# libFuzzer prints its final statistics. Everything goes to OUTDIR: log (libFuzzer's output, then
# a summary: start, end, CPU seconds, executions, exit status), corpus/ (new units), crash-* etc.
# UBSan findings abort (halt_on_error) so that they are saved as inputs like ASan's.
#   usage: fuzz/run-for-cpu.sh CPU_SECONDS OUTDIR FUZZER [libFuzzer args...] SEED_CORPUS...
#   e.g.   nohup fuzz/run-for-cpu.sh 3600 /tmp/fx build-fuzz/fuzz/x509/fuzz_x509 fuzz/x509/corpus &
set -u
budget=$1 out=$2 fuzzer=$3
shift 3
mkdir -p "$out/corpus"
log=$out/log
start=$(date -u +%FT%TZ)
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    nice -n 19 "$fuzzer" -print_final_stats=1 -max_total_time=86400 "-artifact_prefix=$out/" \
    "$out/corpus" "$@" >"$log" 2>&1 &
pid=$!
echo "$pid" >"$out/pid"
# With autogroup scheduling (the kernel's default on desktops and here), nice counts only inside
# a session's group: a fuzzer started from its own session (setsid, nohup from another shell)
# would take a full share beside a build. Its group gets nice 19 too.
echo 19 >"/proc/$pid/autogroup" 2>/dev/null || true
cpu() { # utime + stime of $pid in seconds (0 once it is gone)
    local s
    s=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    set -- $s
    echo $(((${12} + ${13}) / $(getconf CLK_TCK)))
}
used=0
while kill -0 "$pid" 2>/dev/null; do
    used=$(cpu)
    [ "$used" -ge "$budget" ] && { kill -INT "$pid"; break; }
    sleep 20
done
wait "$pid"
rc=$?
{
    echo "== run-for-cpu: $fuzzer"
    echo "== start $start, end $(date -u +%FT%TZ), CPU seconds >= $used (budget $budget), exit status $rc"
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|^Done [0-9]+ runs' "$log" | tail -3
} >>"$log.summary"
cat "$log.summary" >>"$log"
