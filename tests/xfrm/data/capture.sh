#!/usr/bin/env bash
# Regenerates the iproute2 reference requests (requests/*.hex) and real kernel replies
# (replies/*.hex, and binary copies as the fuzz seed corpus in fuzz/netlink/corpus/) that
# tests/xfrm compares the message builders and the reply parser against.
#
# Needs root, strace and iproute2. Runs everything inside a throwaway network namespace.
# The host kernel has no ESP, so `ip xfrm state add` fails there, but strace still records
# the request iproute2 sent, which is all the byte comparison needs.
#
# Format of a .hex file: "# <command>" lines, then the bytes of ONE netlink message as hex,
# 16 bytes a line, exactly as strace's `-e write=`/`-e read=` dump printed them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
corpus="$root/fuzz/netlink/corpus"
ns="meshd-xfrm-capture-$$"
mkdir -p "$here/requests" "$here/replies" "$corpus"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up

# hexdump_messages FILE: turn strace's " | 00000  aa bb ..." dump lines into one hex blob per
# buffer, one buffer per line of output.
hexdump_messages() {
    awk '
        /^ \* [0-9]+ bytes in buffer/ { if (buf != "") print buf; buf = ""; next }
        /^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {
            line = substr($0, 11, 49); gsub(/ +/, " ", line); sub(/^ /, "", line); sub(/ $/, "", line)
            buf = buf (buf == "" ? "" : " ") line; next
        }
        END { if (buf != "") print buf }' "$1"
}

# write_hex NAME CMD HEX: one .hex file.
write_hex() {
    local file=$1 cmd=$2 hex=$3
    { echo "# $cmd"; echo "$hex" | tr ' ' '\n' | paste -d' ' - - - - - - - - - - - - - - - - | sed 's/ *$//'; } > "$file"
}

# request NAME ARGS...: run `ip ARGS` in the namespace under strace; keep the LAST netlink
# message it sent (iproute2 sends exactly one XFRM request per command here).
request() {
    local name=$1; shift
    local log; log=$(mktemp)
    ip netns exec "$ns" strace -o "$log" -e trace=sendmsg,sendto -e write=all -xx -s 0 ip "$@" \
        >/dev/null 2>&1 || true
    local hex; hex=$(hexdump_messages "$log" | tail -n 1)
    rm -f "$log"
    [ -n "$hex" ] || { echo "capture: no request captured for $name" >&2; exit 1; }
    write_hex "$here/requests/$name.hex" "ip $*" "$hex"
    echo "request $name: $(echo "$hex" | wc -w) bytes"
}

# reply NAME ARGS...: keep every netlink buffer `ip ARGS` received (each recvmsg buffer may hold
# several messages, e.g. a multipart dump).
reply() {
    local name=$1; shift
    local log; log=$(mktemp)
    ip netns exec "$ns" strace -o "$log" -e trace=recvmsg,recvfrom -e read=all -xx -s 0 ip "$@" \
        >/dev/null 2>&1 || true
    local i=0
    while read -r hex; do
        # Skip the 4-byte probes iproute2 makes with MSG_PEEK|MSG_TRUNC and empty reads.
        [ "$(echo "$hex" | wc -w)" -ge 16 ] || continue
        write_hex "$here/replies/$name-$i.hex" "ip $* (recvmsg buffer $i)" "$hex"
        echo "$hex" | perl -ne 'print pack("H*", join("", split))' > "$corpus/$name-$i.bin"
        echo "reply $name-$i: $(echo "$hex" | wc -w) bytes"
        i=$((i + 1))
    done < <(hexdump_messages "$log")
    rm -f "$log"
}

K_GCM=0x0102030405060708090a0b0c0d0e0f1011121314
K_CHACHA=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223
K_AES=0x00112233445566778899aabbccddeeff
K_SHA256=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
K_SHA384=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f
K_SHA512=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f

# --- requests: SAs (fail on this kernel, bytes are still sent) ---
request sa_add_gcm_tunnel xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
    reqid 7 mode tunnel replay-window 32 aead 'rfc4106(gcm(aes))' $K_GCM 128 mark 0x100 mask 0xff00
request sa_add_chacha_transport xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x2000 \
    reqid 8 mode transport aead 'rfc7539esp(chacha20,poly1305)' $K_CHACHA 128 \
    sel src 192.0.2.2/32 dst 192.0.2.1/32 proto udp sport 500 dport 500
request sa_add_cbc_sha256 xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3000 \
    reqid 9 mode tunnel enc 'cbc(aes)' $K_AES auth-trunc 'hmac(sha256)' $K_SHA256 128
request sa_add_cbc_sha384 xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3001 \
    reqid 9 mode tunnel enc 'cbc(aes)' $K_AES auth-trunc 'hmac(sha384)' $K_SHA384 192
request sa_add_cbc_sha512 xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3002 \
    reqid 9 mode tunnel enc 'cbc(aes)' $K_AES auth-trunc 'hmac(sha512)' $K_SHA512 256
request sa_add_esn xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x4000 \
    reqid 10 mode tunnel flag esn replay-window 128 aead 'rfc4106(gcm(aes))' $K_GCM 128
request sa_add_encap_lifetimes xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x5000 \
    reqid 11 mode tunnel aead 'rfc4106(gcm(aes))' $K_GCM 128 encap espinudp 4500 4500 0.0.0.0 \
    limit time-soft 3000 limit time-hard 3600 limit byte-soft 1000000 limit byte-hard 2000000 \
    limit packet-soft 1000 limit packet-hard 2000 flag af-unspec
request sa_add_v6 xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x6000 \
    reqid 12 mode tunnel aead 'rfc4106(gcm(aes))' $K_GCM 128
request sa_update xfrm state update src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
    reqid 7 mode tunnel replay-window 32 aead 'rfc4106(gcm(aes))' $K_GCM 128 mark 0x100 mask 0xff00
request sa_delete xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mark 0x100 mask 0xff00
request sa_get xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000
request sa_dump xfrm state list
request allocspi xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 42 \
    min 0x100 max 0x1ff

# --- requests: policies ---
request policy_add_out xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 \
    mark 0x100 mask 0xff00 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 7 mode tunnel
request policy_add_in_transport xfrm policy add src 192.0.2.2/32 dst 192.0.2.1/32 proto udp \
    sport 4500 dport 4500 dir in tmpl proto esp reqid 8 mode transport level use
request policy_add_fwd_v6 xfrm policy add src 2001:db8:1::/48 dst 2001:db8:2::/48 dir fwd \
    tmpl src 2001:db8::2 dst 2001:db8::1 proto esp reqid 12 mode tunnel
request policy_add_block xfrm policy add src 10.3.0.0/16 dst 10.4.0.0/16 dir out action block \
    priority 5
request policy_update xfrm policy update src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 \
    mark 0x100 mask 0xff00 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 7 mode tunnel
request policy_delete xfrm policy delete src 10.1.0.0/24 dst 10.2.0.0/24 dir out mark 0x100 mask 0xff00
request policy_get xfrm policy get src 10.1.0.0/24 dst 10.2.0.0/24 dir out mark 0x100 mask 0xff00
request policy_dump xfrm policy list

# --- replies from the real kernel (parser tests and fuzz seeds) ---
reply sa_add_noesp xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 7 \
    mode tunnel aead 'rfc4106(gcm(aes))' $K_GCM 128
reply sa_add_noesp_cbc xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x3000 reqid 9 \
    mode tunnel enc 'cbc(aes)' $K_AES auth-trunc 'hmac(sha256)' $K_SHA256 128
ip -n "$ns" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 \
    mark 0x100 mask 0xff00 tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 7 mode tunnel
ip -n "$ns" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in \
    tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 7 mode tunnel
reply policy_get xfrm policy get src 10.1.0.0/24 dst 10.2.0.0/24 dir out mark 0x100 mask 0xff00
reply policy_dump xfrm policy list
reply policy_exists xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in \
    tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid 7 mode tunnel
reply allocspi xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 42 \
    min 0x100 max 0x1ff
reply sa_dump xfrm state list

# An ACQUIRE event: a trap policy for 10.9.0.0/24 and a UDP packet sent into it, with
# `ip xfrm monitor` recording what the kernel multicasts.
# (lo has disable_xfrm=1, so the packet leaves through a veth pair inside the namespace.)
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" link set v0 up; ip -n "$ns" link set v1 up
ip -n "$ns" addr add 10.8.0.1/24 dev v0
ip -n "$ns" route add 10.9.0.0/24 via 10.8.0.2 dev v0
ip -n "$ns" xfrm policy add src 0.0.0.0/0 dst 10.9.0.0/24 dir out \
    tmpl src 10.8.0.1 dst 10.9.0.1 proto esp reqid 99 mode tunnel
log=$(mktemp)
ip netns exec "$ns" strace -f -o "$log" -e trace=recvmsg -e read=all -xx -s 0 \
    timeout 2 ip xfrm monitor acquire >/dev/null 2>&1 &
sleep 0.7
ip netns exec "$ns" bash -c 'echo x > /dev/udp/10.9.0.7/9' 2>/dev/null || true
wait || true
hex=$(hexdump_messages "$log" | awk "NR == 1"); rm -f "$log"
[ -n "$hex" ] || { echo "capture: no ACQUIRE seen" >&2; exit 1; }
write_hex "$here/replies/acquire-0.hex" "ip xfrm monitor acquire (UDP to 10.9.0.7:9 hitting a trap policy)" "$hex"
echo "$hex" | perl -ne 'print pack("H*", join("", split))' > "$corpus/acquire-0.bin"
echo "reply acquire-0: $(echo "$hex" | wc -w) bytes"

# monitor_capture NAME TYPE TRIGGER WHAT: record the first message of type TYPE (hex byte)
# that `ip xfrm monitor` sees while TRIGGER runs.
monitor_capture() {
    local name=$1 type=$2 trigger=$3 what=$4
    local log; log=$(mktemp)
    ip netns exec "$ns" strace -f -o "$log" -e trace=recvmsg -e read=all -xx -s 0 \
        timeout 4 ip xfrm monitor >/dev/null 2>&1 &
    sleep 0.7
    eval "$trigger"
    wait || true
    local hex; hex=$(hexdump_messages "$log" | awk -v t="$type" 'NF >= 16 && $5 == t && !done { print; done = 1 }'); rm -f "$log"
    [ -n "$hex" ] || { echo "capture: no $name seen" >&2; exit 1; }
    write_hex "$here/replies/$name-0.hex" "ip xfrm monitor ($what)" "$hex"
    echo "$hex" | perl -ne 'print pack("H*", join("", split))' > "$corpus/$name-0.bin"
    echo "reply $name-0: $(echo "$hex" | wc -w) bytes"
}

# A POLEXPIRE: a policy with a 1-second hard lifetime.
monitor_capture polexpire 1b "ip -n $ns xfrm policy add src 10.5.0.0/24 dst 10.6.0.0/24 dir out \
    limit time-hard 1 tmpl src 10.8.0.1 dst 10.9.0.1 proto esp reqid 98 mode tunnel" \
    "a policy with limit time-hard 1"
# An EXPIRE (hard): the larval SA of an ALLOCSPI lives net.core.xfrm_acq_expires seconds.
ip netns exec "$ns" sysctl -qw net.core.xfrm_acq_expires=1
ip -n "$ns" xfrm state flush
monitor_capture expire 18 "ip -n $ns xfrm state allocspi src 192.0.2.1 dst 192.0.2.2 proto esp \
    mode tunnel reqid 43 min 0x200 max 0x2ff >/dev/null" "larval ALLOCSPI SA, xfrm_acq_expires=1"
