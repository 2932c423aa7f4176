# shellcheck shell=bash
# Hand-installed ESP (tunnel mode) between two sites of lab_sites, with ip xfrm: the reference
# data path that proves the lab before any meshd code is involved. Needs kernel ESP (the guest).

# lab_esp_tunnel I J ALGO KEY_IJ KEY_JI [KEY_IJ_AT_J]: SA pair and policies protecting
# SITE_NET[I] <-> SITE_NET[J] between the routers' public addresses. ALGO is an AEAD name of
# ip-xfrm ('rfc4106(gcm(aes))', 'rfc7539esp(chacha20,poly1305)'), keys hex with the 4-byte salt.
# SPIs: 0x1<I><J>0 for I->J, 0x1<J><I>0 for J->I. KEY_IJ_AT_J, if given, replaces J's copy of
# KEY_IJ (a deliberately broken SA). Installs nothing else; lab_esp_flush undoes it.
lab_esp_tunnel() {
    local i=$1 j=$2 algo=$3 kij=$4 kji=$5 kij_at_j=${6:-$4}
    local pi=${SITE_PUB[i]} pj=${SITE_PUB[j]} ni=${SITE_NET[i]} nj=${SITE_NET[j]}
    local sij sji
    sij=$(lab_esp_spi "$i" "$j") sji=$(lab_esp_spi "$j" "$i")
    lab_esp_side "${SITE_R[i]}" "$pi" "$pj" "$ni" "$nj" "$algo" "$sij" "$kij" "$sji" "$kji" || return 1
    lab_esp_side "${SITE_R[j]}" "$pj" "$pi" "$nj" "$ni" "$algo" "$sji" "$kji" "$sij" "$kij_at_j"
}
lab_esp_spi() { printf '0x1%d%d0' "$1" "$2"; }

# lab_esp_side NS ME PEER MYNET PEERNET ALGO SPI_OUT KEY_OUT SPI_IN KEY_IN (one ip -batch)
lab_esp_side() {
    local ns=$1 me=$2 peer=$3 mynet=$4 peernet=$5 algo=$6
    {
        echo "xfrm state add src $me dst $peer proto esp spi $7 reqid 1 mode tunnel aead $algo 0x$8 128"
        echo "xfrm state add src $peer dst $me proto esp spi $9 reqid 1 mode tunnel aead $algo 0x${10} 128"
        echo "xfrm policy add src $mynet dst $peernet dir out tmpl src $me dst $peer proto esp reqid 1 mode tunnel"
        echo "xfrm policy add src $peernet dst $mynet dir in tmpl src $peer dst $me proto esp reqid 1 mode tunnel"
        echo "xfrm policy add src $peernet dst $mynet dir fwd tmpl src $peer dst $me proto esp reqid 1 mode tunnel"
    } | ip -n "$ns" -batch -
}

lab_esp_flush() {
    local ns
    for ns in "$@"; do printf '%s\n' "xfrm policy flush" "xfrm state flush" | ip -n "$ns" -batch -; done
}

# lab_xfrm_counters NS: one `ip -s xfrm state` of the namespace into XFRM_PACKETS[spi]
# (spi as 0x%08x) and XFRM_FAILED[spi] (integrity/replay failures), parsed without processes.
declare -gA XFRM_PACKETS=() XFRM_FAILED=()
lab_xfrm_counters() {
    local line spi=
    XFRM_PACKETS=() XFRM_FAILED=()
    while IFS= read -r line; do
        if [[ $line =~ proto\ esp\ spi\ (0x[0-9a-f]+) ]]; then
            spi=${BASH_REMATCH[1]}
        elif [[ -n $spi && $line =~ ^[[:space:]]+[0-9]+\(bytes\),\ ([0-9]+)\(packets\) ]]; then
            XFRM_PACKETS[$spi]=${BASH_REMATCH[1]}
        elif [[ -n $spi && $line =~ failed\ ([0-9]+) ]]; then
            XFRM_FAILED[$spi]=${BASH_REMATCH[1]}
        fi
    done < <(ip -n "$1" -s xfrm state list)
}

# lab_sa_packets VAR NS SPI: the packet counter of the SA with that SPI (0 if none) into VAR.
lab_sa_packets() {
    lab_xfrm_counters "$2"
    printf -v "$1" '%s' "${XFRM_PACKETS[$(printf '0x%08x' "$3")]:-0}"
}

# lab_xfrm_stat VAR NS NAME: a counter of /proc/net/xfrm_stat in that namespace, e.g.
# XfrmInStateProtoError (ICV failures), into VAR.
lab_xfrm_stat() {
    local k v
    printf -v "$1" 0
    while read -r k v; do
        [ "$k" != "$3" ] || printf -v "$1" '%s' "$v"
    done < <(ip netns exec "$2" cat /proc/net/xfrm_stat)
}
