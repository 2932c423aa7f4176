#!/usr/bin/env bash
# The CA's life end to end with the meshca tool, checked by independent tools: openssl (x509
# -text shows sbgp-ipAddrBlock, verify with and without -crl_check before and after revocation,
# req -verify, crl) and strongSwan's pki --print. Every bad input of issue 12 (Deliver 4) must exit
# 1 (refused) or 2 (usage) and leave every file as it was (listing, modes and contents compared).
#   usage: meshca_e2e.sh MESHCA
set -u
meshca=$(realpath "$1")
command -v openssl >/dev/null || { echo "SKIP: openssl not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the harness's own files in $work, everything meshca sees and writes in $work/t
mkdir "$work/t" && cd "$work/t" || exit 1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# strongSwan's pki with only the plugins it needs (quiet, no /etc/strongswan.conf surprises)
echo 'pki { load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 openssl sha1 sha2 }' >"$work/pki.conf"
pki_print() { STRONGSWAN_CONF=$work/pki.conf pki --print "$@" 2>/dev/null; }

# run EXPECTED_RC CMD...: the exit status must match
run() {
    local want=$1 rc
    shift
    "$@" >"$work/out" 2>"$work/err"
    rc=$?
    [ "$rc" = "$want" ] || { fail "'$*' exited $rc, expected $want"; cat "$work/out" "$work/err" >&2; return 1; }
}
snapshot() { (find . -printf '%p %m %s\n' | sort; find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/snap.$1"; }
# refused EXPECTED_RC WHAT CMD...: fails with that status, a message, and nothing changed
refused() {
    local want=$1 what=$2
    shift 2
    snapshot before
    run "$want" "$@" || return
    snapshot after
    cmp -s "$work/snap.before" "$work/snap.after" || { fail "$what: files changed"; diff "$work/snap.before" "$work/snap.after" >&2; return; }
    [ -s "$work/err" ] || { fail "$what: no message"; return; }
    ok "$what refused ($want): $(head -1 "$work/err")"
}
# fsync costs ~0.3 s a command on a busy CI disk; durability is not what this test checks
export MESHCA_UNSAFE_NO_FSYNC=1
m() {
    local t0=$EPOCHREALTIME rc
    "$meshca" "$@"
    rc=$?
    [ -n "${MESHCA_E2E_TIMES:-}" ] && echo "$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms: meshca $*" >>"$MESHCA_E2E_TIMES"
    return $rc
}

# --- the CA and its nodes ------------------------------------------------------------------
run 0 m init --name "Test mesh CA" --subnets 10.0.0.0/16,fd00::/16 --lifetime 2y --dir ca && ok "init"
[ "$(stat -c %a ca/ca.key)" = 600 ] || fail "ca.key mode $(stat -c %a ca/ca.key)"
run 0 m csr --name sfo.mesh.example && ok "csr"
[ "$(stat -c %a sfo.mesh.example.key)" = 600 ] || fail "node key mode"
openssl req -in sfo.mesh.example.csr -noout -verify 2>&1 | grep -q "verify OK" && ok "openssl req -verify" || fail "openssl req -verify"
run 0 m sign --dir ca --csr sfo.mesh.example.csr --subnets 10.0.2.0/24,fd00:2::/48 --endpoint 192.0.2.2 && ok "sign"
# requests made by openssl: ECDSA without a SAN, RSA signed with PKCS#1 v1.5 (openssl's default)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ossl.key -subj /CN=ossl.mesh.example -out ossl.csr 2>/dev/null
run 0 m sign --dir ca --csr ossl.csr --subnets 10.0.20.0/24 && ok "sign an openssl ECDSA request (no SAN)"
openssl req -new -newkey rsa:2048 -nodes -keyout orsa.key -subj /CN=orsa.mesh.example -out orsa.csr 2>/dev/null
run 0 m sign --dir ca --csr orsa.csr --subnets 10.0.21.0/24 && ok "sign an openssl RSA request"
openssl verify -CAfile ca/ca.crt ossl.mesh.example.crt orsa.mesh.example.crt >/dev/null || fail "openssl-request certificates"
run 0 m issue --dir ca --name nyc.mesh.example --subnets 10.0.1.0/24,10.0.11.0/24 --endpoint 192.0.2.1,2001:db8::1 && ok "issue"
run 0 m issue --dir ca --name laptop.mesh.example --subnets 10.0.9.5/32 --key-type rsa-3072 && ok "issue (RSA-3072)"
openssl x509 -in laptop.mesh.example.crt -noout -text | grep -q "Public-Key: (3072 bit)" || fail "laptop key is not RSA-3072"

text=$(openssl x509 -in nyc.mesh.example.crt -noout -text)
grep -q "sbgp-ipAddrBlock: critical" <<<"$text" && grep -q "10.0.1.0/24" <<<"$text" && grep -q "10.0.11.0/24" <<<"$text" \
    && ok "openssl x509 -text: sbgp-ipAddrBlock 10.0.1.0/24, 10.0.11.0/24" || { fail "no sbgp-ipAddrBlock with the subnets"; echo "$text" >&2; }
grep -q "DNS:nyc.mesh.example, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1" <<<"$text" || fail "SAN of nyc"
text=$(openssl x509 -in sfo.mesh.example.crt -noout -text)
grep -q "10.0.2.0/24" <<<"$text" && grep -q "fd00:2::/48" <<<"$text" || fail "sfo's blocks"
grep -q "sbgp-ipAddrBlock" < <(openssl x509 -in ca/ca.crt -noout -text) || fail "the CA has no blocks"

for c in nyc sfo laptop; do
    openssl verify -CAfile ca/ca.crt "$c.mesh.example.crt" >/dev/null 2>&1 || fail "openssl verify $c"
    openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca/crl.pem "$c.mesh.example.crt" >/dev/null 2>&1 || fail "openssl verify -crl_check $c"
done
ok "openssl verify -CAfile, with and without -crl_check (before revocation)"
pki_print --in nyc.mesh.example.crt | grep -q "addresses: 10.0.1.0/24, 10.0.11.0/24" && ok "pki --print certificate" || fail "pki --print certificate"
pki_print --type crl --in ca/crl.pem | grep -q "0 revoked certificates" && ok "pki --print CRL (empty)" || fail "pki --print CRL"

run 0 m show sfo.mesh.example.csr && grep -q "signature: valid" "$work/out" || fail "show csr"
run 0 m show --json nyc.mesh.example.crt && grep -q '"10.0.11.0/24"' "$work/out" || fail "show --json certificate"
run 0 m verify --dir ca --cert nyc.mesh.example.crt --crl ca/crl.pem && ok "meshca verify"
fp=$(m fingerprint nyc.mesh.example.crt)
[[ "$fp" =~ ^spki-sha256\ [0-9a-f]{64}$ ]] || fail "fingerprint: $fp"
want=$(openssl x509 -in nyc.mesh.example.crt -noout -pubkey | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
[ "$fp" = "spki-sha256 $want" ] && ok "fingerprint = SHA-256 of the SPKI (openssl)" || fail "fingerprint $fp, openssl $want"

# --- revocation ------------------------------------------------------------------------------
run 0 m revoke --dir ca laptop.mesh.example --reason key-compromise && ok "revoke"
openssl verify -CAfile ca/ca.crt laptop.mesh.example.crt >/dev/null 2>&1 || fail "without -crl_check the revoked cert still verifies"
if openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca/crl.pem laptop.mesh.example.crt >/dev/null 2>&1; then
    fail "openssl verify -crl_check accepts the revoked certificate"
else ok "openssl verify -crl_check refuses the revoked certificate"; fi
openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca/crl.pem nyc.mesh.example.crt >/dev/null 2>&1 || fail "nyc after revocation of laptop"
openssl crl -in ca/crl.pem -noout -text | grep -q "Key Compromise" || fail "no reason code in the CRL"
openssl crl -in ca/crl.pem -noout -text | grep -A1 "CRL Number" | grep -q "^ *2$" || fail "cRLNumber is not 2"
pki_print --type crl --in ca/crl.pem | grep -q "1 revoked certificate" && ok "pki --print CRL (1 revoked)" || fail "pki --print revoked CRL"
run 1 m verify --dir ca --cert laptop.mesh.example.crt --crl ca/crl.pem && grep -q Revoked "$work/out" && ok "meshca verify refuses the revoked one"
run 0 m crl --dir ca --next-update 2d && ok "crl"
openssl crl -in ca/crl.pem -noout -text | grep -A1 "CRL Number" | grep -q "^ *3$" || fail "cRLNumber is not 3"
run 0 m show ca/crl.pem && grep -q "reason: key-compromise" "$work/out" || fail "show crl"

# --- renewal: same key, new serial ----------------------------------------------------------
old_serial=$(openssl x509 -in nyc.mesh.example.crt -noout -serial)
run 1 m renew --dir ca nyc.mesh.example && ok "renew without --force keeps the existing file"
run 0 m renew --dir ca nyc.mesh.example --lifetime 60d --force && ok "renew"
[ "$(openssl x509 -in nyc.mesh.example.crt -noout -serial)" != "$old_serial" ] || fail "renew kept the serial"
[ "$(m fingerprint nyc.mesh.example.crt)" = "$fp" ] || fail "renew changed the key"
openssl x509 -in nyc.mesh.example.crt -noout -text | grep -q "10.0.11.0/24" || fail "renew lost a subnet"
openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca/crl.pem nyc.mesh.example.crt >/dev/null 2>&1 || fail "renewed cert"

# --- the directory ---------------------------------------------------------------------------
cat >nodes <<'NODES'
# the mesh
node nyc.mesh.example 192.0.2.1,2001:db8::1 10.0.1.0/24,10.0.11.0/24
node sfo.mesh.example 192.0.2.2 10.0.2.0/24,fd00:2::/48
NODES
run 0 m directory sign --dir ca nodes && ok "directory sign"
[ "$(sed -n 2p directory.signed)" = "serial 1" ] || fail "directory serial"
run 0 m show --dir ca directory.signed && grep -q "signature: valid" "$work/out" && ok "show directory (verified)"
# the signature checked independently: openssl pkeyutl over every byte before the signature line
head -n -1 directory.signed >signed.part
tail -1 directory.signed | cut -d' ' -f2 | base64 -d >signed.sig
openssl x509 -in ca/ca.crt -pubkey -noout >ca.pub
openssl pkeyutl -verify -pubin -inkey ca.pub -rawin -in signed.part -sigfile signed.sig >/dev/null 2>&1 \
    && ok "openssl pkeyutl verifies the directory signature (Ed25519)" || fail "openssl pkeyutl rejects the directory signature"
run 0 m directory sign --dir ca nodes --force && [ "$(sed -n 2p directory.signed)" = "serial 2" ] || fail "second directory serial"

# --- bad input: exit 1 or 2, nothing written -------------------------------------------------
python3 - <<'PY' || fail "cannot tamper the CSR"
import base64, re
pem = open("sfo.mesh.example.csr").read()
b = bytearray(base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l)))
i = b.find(b"sfo")
b[i] = ord("x")  # the CN: still DER, no longer signed
s = base64.b64encode(bytes(b)).decode()
open("tampered.csr", "w").write("-----BEGIN CERTIFICATE REQUEST-----\n" + "\n".join(s[k:k+64] for k in range(0, len(s), 64)) + "\n-----END CERTIFICATE REQUEST-----\n")
PY
run 0 m csr --name tokyo.mesh.example
refused 1 "a CSR whose signature does not verify" m sign --dir ca --csr tampered.csr --subnets 10.0.3.0/24
refused 1 "subnets overlapping another node's" m sign --dir ca --csr tokyo.mesh.example.csr --subnets 10.0.1.128/25
refused 1 "subnets outside the CA's blocks" m sign --dir ca --csr tokyo.mesh.example.csr --subnets 10.9.0.0/24
refused 1 "a subnet that is not a network" m sign --dir ca --csr tokyo.mesh.example.csr --subnets 10.0.3.5/24
refused 1 "a lifetime beyond the CA's notAfter" m sign --dir ca --csr tokyo.mesh.example.csr --subnets 10.0.3.0/24 --lifetime 3y
refused 1 "a name that is not a DNS name (issue)" m issue --dir ca --name bad_name.example --subnets 10.0.3.0/24
refused 1 "a name that is not a DNS name (csr)" m csr --name "10.0.0.1"
refused 1 "an unknown node for revoke" m revoke --dir ca ghost.mesh.example
refused 1 "an unknown serial for revoke" m revoke --dir ca 999
refused 1 "an unknown node for renew" m renew --dir ca ghost.mesh.example
refused 1 "a node already revoked" m revoke --dir ca laptop.mesh.example
refused 1 "an existing output without --force" m issue --dir ca --name sfo.mesh.example --subnets 10.0.2.0/24
refused 1 "a second valid certificate for a name" m sign --dir ca --csr sfo.mesh.example.csr --subnets 10.0.2.0/24 --out other.crt
printf 'node nyc.mesh.example 192.0.2.1 10.0.5.0/24\n' >nodes.outside
refused 1 "a directory subnet outside the node's certificate" m directory sign --dir ca nodes.outside --out d2
printf 'node ghost.mesh.example - 10.0.7.0/24\n' >nodes.ghost
refused 1 "a directory node without a certificate" m directory sign --dir ca nodes.ghost --out d2
printf 'node nyc.mesh.example 192.0.2.1:500 10.0.1.0/24\n' >nodes.port
refused 1 "a directory endpoint with a port" m directory sign --dir ca nodes.port --out d2
refused 2 "an unknown option" m issue --dir ca --name x.mesh.example --subnets 10.0.3.0/24 --colour
refused 2 "a missing --subnets" m sign --dir ca --csr tokyo.mesh.example.csr
refused 2 "a bad --lifetime" m sign --dir ca --csr tokyo.mesh.example.csr --subnets 10.0.3.0/24 --lifetime 30x
refused 2 "an RSA CA key" m init --name other --key-type rsa-3072 --dir ca2
refused 2 "no subcommand" m
refused 2 "a bad --reason" m revoke --dir ca nyc.mesh.example --reason because
chmod 644 ca/ca.key
refused 1 "a CA key readable by others" m issue --dir ca --name x.mesh.example --subnets 10.0.3.0/24
chmod 600 ca/ca.key

# --- a passphrase-protected CA; --count identities ------------------------------------------
printf 'correct horse\n' >pass
printf 'wrong horse\n' >wrong
run 0 m init --name "Locked CA" --key-type ecdsa-p256 --subnets 10.64.0.0/10 --dir locked --passphrase-file pass && ok "init with a passphrase"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" locked/ca.key || fail "the CA key is not encrypted"
openssl pkey -in locked/ca.key -passin file:pass -noout 2>/dev/null && ok "openssl decrypts the PKCS#8 CA key" || fail "openssl cannot read the encrypted key"
refused 1 "an encrypted CA key without --passphrase-file" m issue --dir locked --name a.mesh.example --subnets 10.64.0.0/24
refused 1 "a wrong passphrase" m issue --dir locked --name a.mesh.example --subnets 10.64.0.0/24 --passphrase-file wrong
# --out-dir load does not exist yet: meshca creates it
start=$(date +%s%N)
run 0 m issue --dir locked --passphrase-file pass --count 200 --name-pattern 'node%d.mesh.example' --subnets 10.64.0.0/10 --split 24 --out-dir load \
    && ok "issue --count 200 in $(( ($(date +%s%N) - start) / 1000000 )) ms"
[ "$(ls load/*.crt | wc -l)" = 200 ] || fail "not 200 certificates"
[ "$(cat load/*.crt | openssl crl2pkcs7 -nocrl -certfile /dev/stdin | openssl pkcs7 -print_certs -noout | grep -c subject=)" = 200 ] || fail "count via openssl"
openssl x509 -in load/node200.mesh.example.crt -noout -text | grep -q "10.64.199.0/24" || fail "node200's subnet"
openssl verify -CAfile locked/ca.crt load/node1.mesh.example.crt load/node200.mesh.example.crt >/dev/null || fail "verify load certs"
[ "$(cat load/*.key | grep -v -- ----- | sort -u | wc -l)" = 200 ] || fail "keys not distinct"
run 0 m issue --dir locked --passphrase-file pass --name rsa.mesh.example --subnets 10.127.0.0/24 --key-type rsa-2048 --out-dir load && ok "RSA-2048 node under an ECDSA CA"

[ $fails = 0 ] && echo "PASS: meshca end to end" || echo "FAILED: $fails check(s)"
exit $((fails > 0))
