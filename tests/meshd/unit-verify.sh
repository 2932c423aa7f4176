#!/usr/bin/env bash
# daemon/meshd/meshd.service passes `systemd-analyze verify` (issue 16: the README's deployment
# installs it). systemd-analyze insists that ExecStart's binary exists: the unit is checked with
# meshd's path pointed at the build tree. Exit 77 without systemd-analyze.
#   usage: unit-verify.sh UNIT MESHD
set -u
unit=${1:?usage: $0 UNIT MESHD} meshd=${2:?usage: $0 UNIT MESHD}
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
sed "s#/usr/sbin/meshd#$(realpath "$meshd")#g" "$unit" >"$dir/meshd.service"
out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=notice timeout 60 systemd-analyze verify ./meshd.service 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] && [ -z "$out" ] || { echo "FAIL: systemd-analyze verify: status $rc"; exit 1; }
grep -q '^RuntimeDirectory=meshd$' "$unit" || { echo "FAIL: no RuntimeDirectory for the control socket"; exit 1; }
echo "meshd.service: systemd-analyze verify is silent"
