# What every interop script (examples/ikepeer against strongSwan's charon) starts with, sourced
# as `source "$(dirname "$0")/common.sh" "$@"`: the lab helpers, the arguments IKEPEER [FILTER],
# the requirements (skip, exit 77, when strongSwan or /dev/net/tun is missing), the addresses,
# run() for the scenarios, and readers of ikepeer's output lines ("TAG key=value ...").
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lab/lib" && pwd)
source "$lib/common.sh"
source "$lib/netns.sh"
lab_require_root
source "$lib/pki.sh"
source "$lib/strongswan.sh"
ikepeer=${1:?usage: $0 IKEPEER [FILTER]}
filter=${2:-}
[ -x "$ikepeer" ] || lab_die "ikepeer not found: $ikepeer"
command -v pki >/dev/null && [ -x /usr/lib/ipsec/charon ] || { echo "SKIP: strongSwan not installed" >&2; exit 77; }
[ -c /dev/net/tun ] || { echo "SKIP: no /dev/net/tun for kernel-libipsec" >&2; exit 77; }

SS_ADDR=192.0.2.1 OUR_ADDR=192.0.2.2 SS_NET=10.0.1.0/24 OUR_NET=10.0.2.0/24

# run NAME FUNCTION ARGS...: one scenario, unless FILTER leaves it out
run() { [[ -z $filter || $1 == *$filter* ]] || return 0; lab_scenario "$@"; }

# peer_field FILE TAG KEY: VALUE of KEY=VALUE on the first line of FILE whose first word is TAG
peer_field() { awk -v tag="$2" -v k="$3" '$1 == tag { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$1"; }
# peer_last_field FILE TAG KEY: the same from the last such line
peer_last_field() { awk -v tag="$2" -v k="$3" '$1 == tag { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) v = substr($i, length(k) + 2) } END { print v }' "$1"; }
