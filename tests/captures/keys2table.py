#!/usr/bin/env python3
"""Turns the IKE key material that charon logs at `ike = 4` into
  * ikev2_decryption_table: Wireshark's format (one line per IKE SA:
    ispi,rspi,SK_ei,SK_er,"encryption",SK_ai,SK_ar,"integrity"), and
  * keys.txt: every secret of every IKE SA (DH shared secret, SKEYSEED, SK_d, SK_ai/SK_ar for
    a non-AEAD cipher, SK_ei ... SK_pr), one
    "ispi rspi name hex" line each, for key-schedule tests against a real peer.
The SPI pairs come from SPIS (one "ispi rspi" line per IKE SA, in the order the SAs were
created: initial, then each rekey), because charon does not log SPIs next to the keys.
usage: keys2table.py IKE_PROPOSAL SPIS OUTDIR < charon.log      (standard library only)"""
import re
import sys

ENCR = {  # strongSwan proposal keyword -> Wireshark's name (AEAD: integrity "NONE [RFC4306]")
    "aes128gcm16": "AES-GCM-128 with 16 octet ICV [RFC5282]",
    "aes192gcm16": "AES-GCM-192 with 16 octet ICV [RFC5282]",
    "aes256gcm16": "AES-GCM-256 with 16 octet ICV [RFC5282]",
    # Wireshark (4.x) has no ChaCha20-Poly1305 for IKEv2; the RFC 7634 name keeps the table
    # readable by our own tools.
    "chacha20poly1305": "CHACHA20-POLY1305 [RFC7634]",
    "aes128": "AES-CBC-128 [RFC3602]",
    "aes192": "AES-CBC-192 [RFC3602]",
    "aes256": "AES-CBC-256 [RFC3602]",
}
INTEG = {  # the integrity keyword of a non-AEAD proposal -> Wireshark's name
    "sha256": "HMAC_SHA2_256_128 [RFC4868]",
    "sha384": "HMAC_SHA2_384_192 [RFC4868]",
    "sha512": "HMAC_SHA2_512_256 [RFC4868]",
}
HEADER = re.compile(r"<[^>]*> (shared Diffie Hellman secret|SKEYSEED|Sk_\w+ secret) => (\d+) bytes @")
DUMP = re.compile(r"<[^>]*> +\d+: ((?:[0-9A-F]{2} ?){1,16})")


def read_dump(lines, i, name, want):
    """The `want` bytes of charon's %B hex dump starting at lines[i]; returns (bytes, next i)."""
    data = b""
    while len(data) < want and i < len(lines):
        d = DUMP.search(lines[i])
        if not d:
            break
        data += bytes.fromhex(d.group(1).replace(" ", ""))
        i += 1
    if len(data) != want:
        raise SystemExit(f"short hex dump for {name}: {len(data)} of {want} bytes")
    return data, i


def key_sets(lines):
    sets, dh, i = [], None, 0
    while i < len(lines):
        m = HEADER.search(lines[i])
        i += 1
        if not m:
            continue
        name, want = m.group(1).split(" secret")[0], int(m.group(2))
        data, i = read_dump(lines, i, name, want)
        if name == "shared Diffie Hellman":
            dh = data
        elif name == "SKEYSEED":
            sets.append({"DH": dh, "SKEYSEED": data})
            dh = None
        elif sets:
            sets[-1][name.upper()] = data
    return sets


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    proposal, spis_file, outdir = sys.argv[1:]
    words = proposal.split("-")
    enc = ENCR.get(words[0])
    if enc is None:
        raise SystemExit(f"no table name for {proposal}")
    integ = "NONE [RFC4306]"
    if "CBC" in enc:
        integ = INTEG.get(words[1])
        if integ is None:
            raise SystemExit(f"no integrity name for {proposal}")
    spis = [l.split() for l in open(spis_file) if l.strip()]
    sets = key_sets(sys.stdin.read().splitlines())
    if len(sets) != len(spis):
        raise SystemExit(f"{len(sets)} key sets in the log but {len(spis)} IKE SAs")
    with open(f"{outdir}/ikev2_decryption_table", "w") as table, open(f"{outdir}/keys.txt", "w") as keys:
        for (ispi, rspi), s in zip(spis, sets):
            ai, ar = s.get("SK_AI", b"").hex(), s.get("SK_AR", b"").hex()
            table.write(f'{ispi},{rspi},{s["SK_EI"].hex()},{s["SK_ER"].hex()},"{enc}",{ai},{ar},"{integ}"\n')
            for name in ("DH", "SKEYSEED", "SK_D", "SK_AI", "SK_AR", "SK_EI", "SK_ER", "SK_PI", "SK_PR"):
                if s.get(name) is not None:
                    keys.write(f"{ispi} {rspi} {name} {s[name].hex()}\n")


if __name__ == "__main__":
    main()
