#!/usr/bin/env bash
# Interop with Debian's strongSwan (charon, kernel-libipsec + kernel-netlink, which forces UDP
# encapsulation on port 4500) and our endpoint (examples/ikepeer) in two network namespaces.
# Per key type (ECDSA-P256, Ed25519; one CA with RFC 3779 blocks, made with strongSwan's pki):
#   charon-initiates: IKE_SA_INIT + IKE_AUTH + first child SA, SPIs and keys equal on both sides
#                     (charon's chd=4 key log vs ikepeer --print-keys), then charon deletes the
#                     IKE SA and ours reports it gone (and holds no state).
#   ours-initiates:   the same with ikepeer initiating, then ikepeer sends a DELETE (child SA
#                     for ECDSA, IKE SA for Ed25519) and charon's SA list shows it gone.
#   ours-rekeys:      ikepeer initiates, then rekeys the child SA (CREATE_CHILD_SA with REKEY_SA,
#                     PFS: charon asks for ECP-256 with INVALID_KE_PAYLOAD, ours retries) and
#                     deletes the old one; new SPIs and keys equal on both sides, old SPIs gone.
#   charon-rekeys:    the same with `swanctl --rekey --child` (no PFS) and ours as responder.
#   ours-rekeys-ike / charon-rekeys-ike: IKE SA rekey (RFC 7296 §1.3.2) from either side: new IKE
#                     SPIs on both sides, the child SA carried over and deletable over the new SA.
# With MESHCA=path/to/meshca in the environment (ctest sets it), the first two scenarios run once
# more on certificates made by meshca (interop-meshca-*).
#   usage: strongswan-ikepeer.sh IKEPEER [SCENARIO-FILTER]
set -u
source "$(dirname "$0")/common.sh" "$@"


# interop_pki DIR KEYTYPE: CA (10.0.0.0/16) issuing charon.lab (10.0.1.0/24) and ours.lab
# (10.0.2.0/24); our key also as PKCS#8 (ours.p8), which libike loads.
interop_pki() {
    local dir=$1 kt=$2 n blk
    mkdir -p "$dir"
    echo 'pki { load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 openssl sha1 sha2 }' >"$dir/pki.conf"
    (
        export STRONGSWAN_CONF=$dir/pki.conf
        cd "$dir" || exit 1
        lab_pki_gen "$kt" >ca.key || exit 1
        pki --self --ca --lifetime 30 --in ca.key --type "$kt" --addrblock 10.0.0.0/16 \
            --dn "C=CH, O=meshd interop, CN=meshd interop CA" --outform pem >ca.crt || exit 1
        for n in charon.lab:10.0.1.0/24 ours.lab:10.0.2.0/24; do
            blk=${n#*:} n=${n%%:*}
            lab_pki_gen "$kt" >"$n.key" || exit 1
            pki --pub --in "$n.key" --type priv |
                pki --issue --lifetime 30 --cacert ca.crt --cakey ca.key --addrblock "$blk" \
                    --dn "C=CH, O=meshd interop, CN=$n" --san "$n" \
                    --flag serverAuth --flag clientAuth --outform pem >"$n.crt" || exit 1
        done
        openssl pkcs8 -topk8 -nocrypt -in ours.lab.key -out ours.p8 || exit 1
    )
}

# interop_pki_meshca DIR: the same PKI made by our own CA tool (env MESHCA, set by ctest): an
# Ed25519 CA, charon.lab with an Ed25519 key issued on the CA, ours.lab with an RSA-3072 key made
# on the node (meshca csr) and signed from its request, so our side authenticates with RSA-PSS.
interop_pki_meshca() {
    local dir=$1
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        "$MESHCA" init --name "meshd interop meshca CA" --subnets 10.0.0.0/16 --lifetime 30d --dir ca >/dev/null &&
            "$MESHCA" issue --dir ca --name charon.lab --subnets 10.0.1.0/24 --lifetime 2d >/dev/null &&
            "$MESHCA" csr --name ours.lab --key-type rsa-3072 >/dev/null &&
            "$MESHCA" sign --dir ca --csr ours.lab.csr --subnets 10.0.2.0/24 --lifetime 2d >/dev/null || exit 1
        cp ca/ca.crt ca.crt && cp ours.lab.key ours.p8  # meshca keys are PKCS#8 already
    )
}

# charon's "%B" hex dump after "<what> key => N bytes" (lines "... <lab|1>   16: 1B 1B ...  ASCII"),
# as one lower-case hex string
start_charon() { # KEYTYPE IKE ESP
    local pki=$work/pki-$1
    ss_setup ss ns="$NS_SS" kernel=libipsec pki="$pki" id=charon.lab peer=ours.lab \
        local=$SS_ADDR remote=$OUR_ADDR lts=$SS_NET rts=$OUR_NET ike="$2" esp="$3" log=4
    # the child keys are logged in the chd group (keymat_v2: DBG4(DBG_CHD, ...))
    sed -i 's/^      knl = 4$/      knl = 2\n      chd = 4/' "$(ss_dir ss)/strongswan.conf"
    ss_start ss
}

start_ours() { # KEYTYPE OUT ARGS...
    local pki=$work/pki-$1 out=$2
    shift 2
    ip netns exec "$NS_OURS" "$ikepeer" --local $OUR_ADDR --cert "$pki/ours.lab.crt" --key "$pki/ours.p8" \
        --ca "$pki/ca.crt" --local-ts $OUR_NET --print-keys --exit-after 60 "$@" >"$out" 2>"$out.err" &
    OURS_PID=$!
    lab_defer lab_kill_wait "$OURS_PID"
    lab_wait_for 10 lab_file_has "$out" LISTENING || { cat "$out.err" >&2; return 1; }
}

# charon lists the child SA whose SPIs are ours crosswise, and has logged its keys
charon_has_child() { # OUR_IN_SPI OUR_OUT_SPI
    local sas
    sas=$(ss_swanctl ss --list-sas)
    grep -q "in  $2" <<<"$sas" && grep -q "out $1" <<<"$sas" &&
        [ -n "$(ss_key_hex "$(ss_dir ss)/charon.log" "encryption responder")" ]
}

# Our CHILD_SA_UP against charon's SAs: SPIs crosswise, keys in the charon log by role.
check_keys() { # OUT OUR_ROLE(initiator|responder) [peer_field|peer_last_field]
    local out=$1 role=$2 get=${3:-peer_field} sas in_spi out_spi ie ir ok=0
    lab_wait_for 20 lab_file_has "$out" CHILD_SA_UP || { lab_log "no CHILD_SA_UP from ours"; cat "$out" "$out.err" >&2; return 1; }
    grep -E '^(IKE|CHILD)_SA_UP' "$out" | sed 's/_encr=[^ ]*:\([0-9a-f]\{8\}\)[0-9a-f]*/_encr=\1.../g' >&2
    in_spi=$($get "$out" CHILD_SA_UP in_spi) out_spi=$($get "$out" CHILD_SA_UP out_spi)
    # charon may still be installing the SA and writing its log when ours reports it up (on a
    # busy machine this check was flaky): wait for both before comparing
    lab_wait_for 10 charon_has_child "$in_spi" "$out_spi" || lab_log "charon lists no SA pair in $out_spi / out $in_spi after 10 s"
    sas=$(ss_swanctl ss --list-sas)
    echo "$sas" >&2
    # charon's outbound SPI is our inbound one and vice versa
    grep -q "in  $out_spi" <<<"$sas" || { lab_log "charon has no inbound SA $out_spi"; ok=1; }
    grep -q "out $in_spi" <<<"$sas" || { lab_log "charon has no outbound SA $in_spi"; ok=1; }
    [ "$($get "$out" CHILD_SA_UP encap)" = 1 ] || { lab_log "ours did not agree on UDP encapsulation"; ok=1; }
    # the first child's keys are charon's first dump: a rekey may already have logged newer ones
    local which=last
    [ "$get" = peer_field ] && which=first
    ie=$(ss_key_hex "$(ss_dir ss)/charon.log" "encryption initiator" $which)
    ir=$(ss_key_hex "$(ss_dir ss)/charon.log" "encryption responder" $which)
    local our_i our_r
    if [ "$role" = initiator ]; then
        our_i=$($get "$out" CHILD_SA_UP out_encr) our_r=$($get "$out" CHILD_SA_UP in_encr)
    else
        our_i=$($get "$out" CHILD_SA_UP in_encr) our_r=$($get "$out" CHILD_SA_UP out_encr)
    fi
    our_i=${our_i#*:} our_r=${our_r#*:}
    lab_log "keys i->r: charon ${ie:0:16}... (${#ie} hex) ours ${our_i:0:16}... (${#our_i} hex)"
    lab_log "keys r->i: charon ${ir:0:16}... (${#ir} hex) ours ${our_r:0:16}... (${#our_r} hex)"
    [ -n "$ie" ] && [ "$ie" = "$our_i" ] || { lab_log "initiator->responder keys differ"; ok=1; }
    [ -n "$ir" ] && [ "$ir" = "$our_r" ] || { lab_log "responder->initiator keys differ"; ok=1; }
    return $ok
}

charon_initiates() { # KEYTYPE IKE ESP
    local out=$work/ours-$1-resp.log
    start_charon "$1" "$2" "$3"
    start_ours "$1" "$out" --exit-on-down
    ss_initiate ss >"$work/initiate.log" 2>&1 || { cat "$work/initiate.log" "$out" "$out.err" >&2; lab_die "charon's initiate failed"; }
    check_keys "$out" responder
    # DELETE from charon: the IKE SA (and its child) must be gone on our side too
    ss_swanctl ss --terminate --ike lab --timeout 10 >/dev/null 2>&1 || lab_die "charon's terminate failed"
    lab_wait_for 10 lab_file_has "$out" "EXIT ike_sas=0 child_sas=0" || { cat "$out" >&2; lab_die "ours kept state after charon's DELETE"; }
    grep -E '^(CHILD|IKE)_SA_DOWN|^EXIT' "$out" >&2
    grep -q 'IKE_SA_DOWN .*reason=deleted_by_peer' "$out" || lab_die "no IKE_SA_DOWN deleted_by_peer"
    [ -z "$(ss_swanctl ss --list-sas | grep -E '^lab:')" ] || lab_die "charon still lists the IKE SA"
}

ours_initiates() { # KEYTYPE IKE ESP WHAT(child|ike)
    local out=$work/ours-$1-init.log sas
    start_charon "$1" "$2" "$3"
    start_ours "$1" "$out" --initiate $SS_ADDR --peer-id charon.lab --remote-ts $SS_NET \
        --delete-after 3 --delete "$4" --exit-on-down
    check_keys "$out" initiator
    lab_wait_for 10 lab_file_has "$out" "DELETE_SENT what=$4 ok=1" || { cat "$out" >&2; lab_die "ours sent no DELETE"; }
    if [ "$4" = child ]; then
        lab_wait_for 10 lab_file_has "$out" CHILD_SA_DOWN || lab_die "no CHILD_SA_DOWN after our DELETE"
        sas=$(ss_swanctl ss --list-sas)
        echo "$sas" >&2
        grep -qE '^lab:.*ESTABLISHED' <<<"$sas" || lab_die "charon lost the IKE SA on a child DELETE"
        ! grep -q 'net:' <<<"$sas" || lab_die "charon still has the child SA"
    else
        lab_wait_for 10 lab_file_has "$out" "EXIT ike_sas=0 child_sas=0" || { cat "$out" >&2; lab_die "ours kept state after its DELETE"; }
        grep -q 'IKE_SA_DOWN .*reason=deleted_locally' "$out" || lab_die "no IKE_SA_DOWN deleted_locally"
        lab_wait_for 5 sh -c "! grep -q '^lab:' <<EOF
\$(SWANCTL_DIR='$(ss_dir ss)/swanctl' STRONGSWAN_CONF='$(ss_dir ss)/strongswan.conf' swanctl --list-sas --uri unix://$(ss_dir ss)/run/charon.vici)
EOF" || lab_die "charon still lists the IKE SA"
    fi
    grep -E '^(CHILD|IKE)_SA_DOWN|^DELETE|^EXIT' "$out" >&2
}

# After a child SA rekey (RFC 7296 §1.3.3): ours replaced the first child (make-before-break: the
# new CHILD_SA_UP, then CHILD_SA_DOWN reason=rekeyed), the new SPIs and keys match charon's last
# derived ones (the key names follow the rekey exchange's roles), and charon no longer has the old SA.
check_rekey() { # OUT OUR_ROLE_IN_THE_REKEY
    local out=$1 role=$2 old_in new_in
    lab_wait_for 30 lab_file_has "$out" "reason=rekeyed" || { cat "$out" "$out.err" >&2; lab_log "no rekey on our side"; return 1; }
    grep -E '^(CHILD_SA_DOWN|REKEY_SENT)' "$out" >&2
    old_in=$(peer_field "$out" CHILD_SA_UP in_spi) new_in=$(peer_last_field "$out" CHILD_SA_UP in_spi)
    [ "$old_in" != "$new_in" ] || { lab_log "no new child SA"; return 1; }
    [ "$(peer_last_field "$out" CHILD_SA_UP replaces)" = "$(peer_field "$out" CHILD_SA_UP child)" ] || { lab_log "the new child does not replace the first"; return 1; }
    grep -q "CHILD_SA_DOWN .*in_spi=$old_in .*reason=rekeyed" "$out" || { lab_log "the old child did not go as rekeyed"; return 1; }
    check_keys "$out" "$role" peer_last_field || return 1
    lab_wait_for 10 sh -c "! grep -q 'out $old_in' <<EOF
\$(SWANCTL_DIR='$(ss_dir ss)/swanctl' STRONGSWAN_CONF='$(ss_dir ss)/strongswan.conf' swanctl --list-sas --uri unix://$(ss_dir ss)/run/charon.vici)
EOF" || { lab_log "charon still has the old SA"; return 1; }
}

ours_rekeys() { # KEYTYPE IKE ESP
    local out=$work/ours-$1-rekey.log
    start_charon "$1" "$2" "$3"
    start_ours "$1" "$out" --initiate $SS_ADDR --peer-id charon.lab --remote-ts $SS_NET --rekey-child-after 8
    check_keys "$out" initiator || lab_die "first child SA"
    check_rekey "$out" initiator || lab_die "our rekey"
}

charon_rekeys() { # KEYTYPE IKE ESP
    local out=$work/ours-$1-rekeyed.log
    start_charon "$1" "$2" "$3"
    start_ours "$1" "$out" --initiate $SS_ADDR --peer-id charon.lab --remote-ts $SS_NET --no-pfs
    check_keys "$out" initiator || lab_die "first child SA"
    ss_swanctl ss --rekey --child net >"$work/rekey.log" 2>&1 || { cat "$work/rekey.log" >&2; lab_die "charon's rekey failed"; }
    check_rekey "$out" responder || lab_die "charon's rekey"
}

# --- IKE SA rekey (RFC 7296 §1.3.2, §2.18; issue 7) ---
# charon's IKE SA line: "lab: #N, ESTABLISHED, IKEv2, <spi>_i[*] <spi>_r[*]"
charon_ike_spis() { ss_swanctl ss --list-sas | awk '/^lab: #/ { i = $5; r = $6; gsub(/_i\*?/, "", i); gsub(/_r\*?/, "", r); print i, r }'; }

# Our new IKE SA (the last IKE_KEYS line) is charon's only IKE SA, and its SPIs are new.
check_rekeyed_ike() { # OUT
    local out=$1 first last charon
    lab_wait_for 20 lab_file_has "$out" "reason=rekeyed" || { cat "$out" "$out.err" >&2; lab_log "no IKE_SA_DOWN rekeyed from ours"; return 1; }
    grep -E '^IKE_(SA_UP|SA_DOWN|KEYS)|^REKEY' "$out" | sed 's/sk_e\([ir]\)=\([0-9a-f]\{8\}\)[0-9a-f]*/sk_e\1=\2.../g' >&2
    grep -q '^IKE_SA_UP .*replaces=' "$out" || { lab_log "no IKE_SA_UP replaces= from ours"; return 1; }
    first=$(grep '^IKE_KEYS' "$out" | head -n1 | awk '{ print $3, $4 }' | sed 's/spi_[ir]=//g')
    last=$(grep '^IKE_KEYS' "$out" | tail -n1 | awk '{ print $3, $4 }' | sed 's/spi_[ir]=//g')
    lab_wait_for 10 sh -c "[ \"\$(SWANCTL_DIR='$(ss_dir ss)/swanctl' STRONGSWAN_CONF='$(ss_dir ss)/strongswan.conf' swanctl --list-sas --uri unix://$(ss_dir ss)/run/charon.vici | grep -c '^lab: #')\" = 1 ]" ||
        { lab_log "charon holds more than one IKE SA"; ss_swanctl ss --list-sas >&2; return 1; }
    charon=$(charon_ike_spis)
    lab_log "IKE SPIs: before ($first), ours now ($last), charon now ($charon)"
    [ "$first" != "$last" ] || { lab_log "the IKE SPIs did not change"; return 1; }
    [ "$charon" = "$last" ] || { lab_log "charon's IKE SA is not ours"; return 1; }
    ss_swanctl ss --list-sas | grep -q 'net:.*INSTALLED' || { lab_log "charon lost the child SA in the IKE rekey"; return 1; }
    ! grep -q '^CHILD_SA_DOWN' "$out" || { lab_log "ours took the child SA down in the IKE rekey"; return 1; }
}

ours_rekeys_ike() { # KEYTYPE IKE ESP
    local out=$work/ours-$1-rekey.log sas
    start_charon "$1" "$2" "$3"
    start_ours "$1" "$out" --initiate $SS_ADDR --peer-id charon.lab --remote-ts $SS_NET \
        --rekey-ike-after 2 --delete-after 6 --delete child
    check_keys "$out" initiator || lab_die "keys"
    lab_wait_for 10 lab_file_has "$out" "REKEY_SENT what=ike ok=1" || { cat "$out" >&2; lab_die "ours did not rekey"; }
    check_rekeyed_ike "$out" || lab_die "IKE SA rekey by ours"
    # the child, carried over, is deleted over the new IKE SA
    lab_wait_for 10 lab_file_has "$out" CHILD_SA_DOWN || { cat "$out" >&2; lab_die "no CHILD_SA_DOWN after our DELETE"; }
    sas=$(ss_swanctl ss --list-sas)
    echo "$sas" >&2
    grep -qE '^lab:.*ESTABLISHED' <<<"$sas" || lab_die "charon lost the new IKE SA on a child DELETE"
    ! grep -q 'net:' <<<"$sas" || lab_die "charon still has the child SA"
}

charon_rekeys_ike() { # KEYTYPE IKE ESP
    local out=$work/ours-$1-rekeyed.log
    start_charon "$1" "$2" "$3"
    start_ours "$1" "$out" --exit-on-down
    ss_initiate ss >"$work/initiate.log" 2>&1 || { cat "$work/initiate.log" "$out" "$out.err" >&2; lab_die "charon's initiate failed"; }
    check_keys "$out" responder || lab_die "keys"
    ss_swanctl ss --rekey --ike lab >/dev/null 2>&1 || lab_die "charon's rekey failed"
    check_rekeyed_ike "$out" || lab_die "IKE SA rekey by charon"
    grep -q '^IKE_SA_UP .*initiator=0 .*replaces=' "$out" || lab_die "ours is not the responder of the new IKE SA"
    # the child, carried over, is deleted by charon over the new IKE SA, then the IKE SA
    ss_swanctl ss --terminate --child net --timeout 10 >/dev/null 2>&1 || lab_die "charon's child terminate failed"
    lab_wait_for 10 lab_file_has "$out" CHILD_SA_DOWN || { cat "$out" >&2; lab_die "no CHILD_SA_DOWN"; }
    grep -q '^CHILD_SA_DOWN .*reason=deleted_by_peer' "$out" || lab_die "the child went down for another reason"
    ss_swanctl ss --terminate --ike lab --timeout 10 >/dev/null 2>&1 || lab_die "charon's terminate failed"
    lab_wait_for 10 lab_file_has "$out" "EXIT ike_sas=0 child_sas=0" || { cat "$out" >&2; lab_die "ours kept state after charon's DELETE"; }
}

lab_tmpdir work
lab_ns _ ss ours || lab_die "namespaces"
NS_SS=${LAB_NS_PREFIX}ss NS_OURS=${LAB_NS_PREFIX}ours
lab_veth "$NS_SS" wan $SS_ADDR/24 "$NS_OURS" wan $OUR_ADDR/24 || lab_die "veth"
# charon's route for the child SA (via its TUN device) needs a source address in its local subnet
ip -n "$NS_SS" addr add 10.0.1.1/24 dev lo || lab_die "address"
interop_pki "$work/pki-ecdsa" ecdsa && interop_pki "$work/pki-ed25519" ed25519 || lab_die "pki"
if [ -n "${MESHCA:-}" ]; then
    interop_pki_meshca "$work/pki-meshca" || lab_die "meshca pki"
fi

run interop-ecdsa-charon-initiates charon_initiates ecdsa aes256gcm16-prfsha256-ecp256 aes256gcm16
run interop-ecdsa-ours-initiates ours_initiates ecdsa aes256gcm16-prfsha256-ecp256 aes256gcm16 child
run interop-ed25519-charon-initiates charon_initiates ed25519 aes256gcm16-prfsha256-x25519 chacha20poly1305
run interop-ed25519-ours-initiates ours_initiates ed25519 aes256gcm16-prfsha256-x25519 chacha20poly1305 ike
run interop-ecdsa-ours-rekeys ours_rekeys ecdsa aes256gcm16-prfsha256-ecp256 aes256gcm16-ecp256
run interop-ed25519-charon-rekeys charon_rekeys ed25519 aes256gcm16-prfsha256-x25519 chacha20poly1305
run interop-ecdsa-ours-rekeys-ike ours_rekeys_ike ecdsa aes256gcm16-prfsha256-ecp256 aes256gcm16
run interop-ed25519-charon-rekeys-ike charon_rekeys_ike ed25519 aes256gcm16-prfsha256-x25519 chacha20poly1305
# certificates made by meshca (issue 12): charon's Ed25519 and our RSA-PSS node authenticate
if [ -n "${MESHCA:-}" ]; then
    run interop-meshca-charon-initiates charon_initiates meshca aes256gcm16-prfsha256-x25519 aes256gcm16
    run interop-meshca-ours-initiates ours_initiates meshca aes256gcm16-prfsha256-x25519 aes256gcm16 child
fi
lab_summary
