# shellcheck shell=bash
# strongSwan (Debian's charon + swanctl) as a test peer, any number of instances side by side.
# Each instance has its own config tree, log and private /run (charon's pid file and vici socket
# paths are compiled in, so /run is bind-mounted per instance inside `ip netns exec`).
#
#   ss_setup NAME key=value...   write the config (does not start anything). Keys:
#       ns=NETNS (required)   kernel=netlink|libipsec (default netlink; libipsec = userspace ESP
#       over TUN with UDP encapsulation, for hosts without kernel ESP)   pki=DIR (from lab_pki)
#       id=NAME peer=NAME (certificate names = IKE identities)   local=ADDR remote=ADDR
#       lts=SUBNET rts=SUBNET   ike=PROPOSAL esp=PROPOSAL   log=N (ike/knl log level, default 2;
#       4 prints keys)   start=none|trap|start (child start_action)   rekey=TIME (child rekey_time)
#   ss_start NAME...             start the charons (in parallel), wait for vici, load the configs
#   ss_swanctl NAME ARGS...      swanctl against this instance, e.g. ss_swanctl a --list-sas
#   ss_initiate NAME [CHILD]     initiate the child (default net), 20 s timeout
#   ss_list_sas NAME [ARGS...]   swanctl --list-sas (IKE and CHILD SAs, states, SPIs, counters)
#   ss_packets NAME              sum of the CHILD_SA packet counters swanctl reports
#   ss_log NAME                  print the charon log;  ss_dir NAME: the instance's directory
#   ss_stop NAME                 stop charon (ss_start defers this, so it also runs on exit)
# The connection is named "lab", its child "net". To use another swanctl.conf, overwrite
# "$(ss_dir NAME)/swanctl/swanctl.conf" between ss_setup and ss_start.

declare -gA SS_NS=() SS_DIR=() SS_PID=()
SS_BASE=${SS_BASE:-}

ss_dir() { printf '%s\n' "${SS_DIR[$1]}"; }

ss_setup() {
    local name=$1 kv
    shift
    local -A o=([kernel]=netlink [log]=2 [start]=none [ike]=aes128gcm16-prfsha256-ecp256
        [esp]=aes128gcm16 [rekey]=0)
    for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
    [ -n "${o[ns]:-}" ] || { echo "ss_setup $name: ns= is required" >&2; return 2; }
    [ -n "$SS_BASE" ] || lab_tmpdir SS_BASE
    local d=$SS_BASE/$name
    [ ! -e "$d" ] || rm -rf "$d"
    mkdir -p "$d/run" "$d/swanctl/x509" "$d/swanctl/x509ca" "$d/swanctl/private" || return 1
    SS_NS[$name]=${o[ns]}
    SS_DIR[$name]=$d
    lab_copy "${o[pki]}/ca.crt" "$d/swanctl/x509ca/ca.crt" &&
        lab_copy "${o[pki]}/${o[id]}.crt" "$d/swanctl/x509/${o[id]}.crt" &&
        lab_copy "${o[pki]}/${o[id]}.key" "$d/swanctl/private/${o[id]}.key" || return 1
    local kernel encap=no
    case ${o[kernel]} in
        netlink) kernel=kernel-netlink ;;
        # libipsec first: it handles SAs and policies in userspace, kernel-netlink the rest
        libipsec) kernel="kernel-libipsec kernel-netlink" encap=yes ;;
        *) echo "ss_setup $name: kernel=${o[kernel]}?" >&2; return 2 ;;
    esac
    # kdf is needed for key derivation in 5.9.8; openssl gives ECDSA, Ed25519, X25519, GCM, ChaCha20.
    cat >"$d/strongswan.conf" <<X
charon {
  load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 revocation constraints openssl sha1 sha2 hmac kdf gcm aes $kernel socket-default vici
  install_virtual_ip = no
  retransmit_tries = 3
  filelog {
    lab {
      path = $d/charon.log
      time_format = %T
      ike_name = yes
      flush_line = yes
      default = 1
      ike = ${o[log]}
      knl = ${o[log]}
      cfg = 2
    }
  }
  syslog { daemon { default = -1 } }
}
swanctl { load = random pem pkcs1 pkcs8 x509 openssl }
X
    cat >"$d/swanctl/swanctl.conf" <<X
connections {
  lab {
    version = 2
    local_addrs = ${o[local]}
    remote_addrs = ${o[remote]}
    proposals = ${o[ike]}
    encap = $encap
    rekey_time = 0
    local {
      auth = pubkey
      certs = ${o[id]}.crt
      id = ${o[id]}
    }
    remote {
      auth = pubkey
      id = ${o[peer]}
    }
    children {
      net {
        local_ts = ${o[lts]}
        remote_ts = ${o[rts]}
        esp_proposals = ${o[esp]}
        mode = tunnel
        rekey_time = ${o[rekey]}
        start_action = ${o[start]}
      }
    }
  }
}
X
}

ss_swanctl() {
    local name=$1 cmd=$2
    shift 2
    SWANCTL_DIR=${SS_DIR[$name]}/swanctl STRONGSWAN_CONF=${SS_DIR[$name]}/strongswan.conf \
        swanctl "$cmd" --uri "unix://${SS_DIR[$name]}/run/charon.vici" "$@"
}

ss_start() {
    local name d
    for name in "$@"; do
        d=${SS_DIR[$name]}
        ip netns exec "${SS_NS[$name]}" sh -c \
            "mount --bind '$d/run' /run && STRONGSWAN_CONF='$d/strongswan.conf' exec /usr/lib/ipsec/charon" \
            >"$d/charon.stdout" 2>&1 &
        SS_PID[$name]=$!
        lab_defer ss_stop "$name"
    done
    for name in "$@"; do
        d=${SS_DIR[$name]}
        if ! lab_wait_for 60 test -S "$d/run/charon.vici"; then
            echo "ss_start $name: charon did not open its vici socket" >&2
            cat "$d/charon.stdout" "$d/charon.log" >&2 2>/dev/null
            return 1
        fi
        ss_swanctl "$name" --load-all --noprompt >"$d/load.log" 2>&1 ||
            { echo "ss_start $name: swanctl --load-all failed" >&2; cat "$d/load.log" >&2; return 1; }
    done
}

ss_stop() {
    local name=$1
    [ -n "${SS_PID[$name]:-}" ] || return 0
    lab_kill_wait "${SS_PID[$name]}" 3
    wait "${SS_PID[$name]}" 2>/dev/null
    SS_PID[$name]=
}

ss_initiate() { ss_swanctl "$1" --initiate --child "${2:-net}" --timeout 20; }
ss_list_sas() { ss_swanctl "$1" --list-sas "${@:2}"; }
ss_log() { cat "${SS_DIR[$1]}/charon.log"; }

# ss_key_hex LOG WHAT: the lower-case hex of the last (or, with "first", the first) "<WHAT> key => N bytes" dump (%B) in a
# charon log with `ike = 4`/`chd = 4`, e.g. WHAT="encryption initiator"; empty if none.
ss_key_hex() { # LOG WHAT [first|last]: the last dump of that key by default, or the first
    awk -v what="$2 key =>" -v which="${3:-last}" '
        index($0, what) { on = 1; s = ""; next }
        on && match($0, /> +[0-9]+: /) { h = substr($0, RSTART + RLENGTH, 48); gsub(/ /, "", h); s = s h; next }
        on { on = 0; last = s; if (first == "") first = s }
        END { if (on) { last = s; if (first == "") first = s }; print tolower(which == "first" ? first : last) }' "$1"
}

ss_packets() {
    ss_swanctl "$1" --list-sas | awk '/^ +(in|out) /{ for (i = 2; i <= NF; i++) if ($i ~ /^packets/) s += $(i-1) }
        END { print s + 0 }'
}
