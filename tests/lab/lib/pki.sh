# shellcheck shell=bash
# A throwaway test CA made with strongSwan's `pki`: lab_pki DIR KEYTYPE NAME...
#   KEYTYPE: ecdsa (P-256) | ed25519 | rsa (3072)
# Writes DIR/ca.key, DIR/ca.crt and, per NAME, DIR/NAME.key and DIR/NAME.crt whose subject is
# "C=CH, O=meshd lab, CN=NAME" with subjectAltName NAME (use NAME as the IKE identity).
# All PEM. The keys are test keys only: never use them for anything real.

lab_pki_gen() {
    case $1 in
        ecdsa) pki --gen --type ecdsa --size 256 --outform pem ;;
        ed25519) pki --gen --type ed25519 --outform pem ;;
        rsa) pki --gen --type rsa --size 3072 --outform pem ;;
        *) echo "lab_pki: unknown key type $1" >&2; return 2 ;;
    esac
}

lab_pki() {
    local dir=$1 kt=$2 n
    shift 2
    mkdir -p "$dir"
    # A fixed plugin list: deterministic, and no noise from plugins that probe hardware.
    cat >"$dir/pki.conf" <<'X'
pki { load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 openssl sha1 sha2 }
X
    (
        export STRONGSWAN_CONF=$dir/pki.conf
        cd "$dir" || exit 1
        lab_pki_gen "$kt" >ca.key || exit 1
        pki --self --ca --lifetime 3650 --in ca.key --type "$kt" \
            --dn "C=CH, O=meshd lab, CN=meshd lab CA" --outform pem >ca.crt || exit 1
        for n in "$@"; do
            lab_pki_gen "$kt" >"$n.key" || exit 1
            pki --pub --in "$n.key" --type priv |
                pki --issue --lifetime 365 --cacert ca.crt --cakey ca.key \
                    --dn "C=CH, O=meshd lab, CN=$n" --san "$n" \
                    --flag serverAuth --flag clientAuth --outform pem >"$n.crt" || exit 1
        done
    )
}

# lab_pki_chain DIR KEYTYPE NAME:CIDR...: a root CA (RFC 3779 block 10.0.0.0/8) -> an
# intermediate CA (10.0.0.0/16) -> per NAME an end entity (subject CN=NAME, subjectAltName NAME,
# block CIDR). Writes DIR/ca.*, DIR/mid.*, DIR/NAME.crt, NAME.key and NAME.p8 (PKCS#8, as
# ikepeer reads it). All PEM; test keys only.
lab_pki_chain() {
    local dir=$1 kt=$2 n blk
    shift 2
    mkdir -p "$dir"
    echo 'pki { load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 openssl sha1 sha2 }' >"$dir/pki.conf"
    (
        export STRONGSWAN_CONF=$dir/pki.conf
        cd "$dir" || exit 1
        lab_pki_gen "$kt" >ca.key || exit 1
        pki --self --ca --lifetime 30 --in ca.key --type "$kt" --addrblock 10.0.0.0/8 \
            --dn "C=CH, O=meshd lab, CN=meshd lab root CA" --outform pem >ca.crt || exit 1
        lab_pki_gen "$kt" >mid.key || exit 1
        pki --pub --in mid.key --type priv |
            pki --issue --ca --lifetime 30 --cacert ca.crt --cakey ca.key --addrblock 10.0.0.0/16 \
                --dn "C=CH, O=meshd lab, CN=meshd lab intermediate CA" --outform pem >mid.crt || exit 1
        for n in "$@"; do
            blk=${n#*:} n=${n%%:*}
            lab_pki_gen "$kt" >"$n.key" || exit 1
            pki --pub --in "$n.key" --type priv |
                pki --issue --lifetime 30 --cacert mid.crt --cakey mid.key --addrblock "$blk" \
                    --dn "C=CH, O=meshd lab, CN=$n" --san "$n" \
                    --flag serverAuth --flag clientAuth --outform pem >"$n.crt" || exit 1
            openssl pkcs8 -topk8 -nocrypt -in "$n.key" -out "$n.p8" || exit 1
        done
    )
}
