# Reading examples/ikepeer's output lines ("TAG key=value key=value ..."), for the interop scripts.

# peer_field FILE TAG KEY: VALUE of KEY=VALUE on the first line of FILE whose first word is TAG
peer_field() { awk -v tag="$2" -v k="$3" '$1 == tag { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$1"; }
# peer_last_field FILE TAG KEY: the same from the last such line
peer_last_field() { awk -v tag="$2" -v k="$3" '$1 == tag { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) v = substr($i, length(k) + 2) } END { print v }' "$1"; }
