#!/bin/sh
# ikedump --keys with a corrupted SK_ei (first hex digit changed on every line of TABLE): the
# initiator's CAPTURE must fail its ICV check, say so, and exit with status 1.
#   ikedump_bad_key.sh IKEDUMP TABLE CAPTURE SCRATCH_FILE
set -u
ikedump=$1 table=$2 capture=$3 bad=$4
sed -E 's/^([^,]*,[^,]*,)0/\1f/;t;s/^([^,]*,[^,]*,)./\10/' "$table" > "$bad" || exit 1
cmp -s "$table" "$bad" && { echo "SK_ei unchanged"; exit 1; }
out=$("$ikedump" --keys "$bad" "$capture"); rc=$?
echo "$out"
[ "$rc" -eq 1 ] || { echo "exit status $rc, expected 1"; exit 1; }
echo "$out" | grep -q '^Encrypted payloads: NOT decrypted: ICV check failed with SK_ei/SK_ai' || exit 1
echo "$out" | grep -q 'Payload 1: IDi' && { echo "printed a decrypted payload"; exit 1; }
exit 0
