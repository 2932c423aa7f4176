#!/usr/bin/env python3
"""Checks a capture folder: every SK payload decrypts and authenticates with the keys of its
ikev2_decryption_table (AES-GCM or ChaCha20-Poly1305, RFC 5282 / RFC 7634 layout, or AES-CBC
with HMAC-SHA2, RFC 3602 / RFC 4868). Uses the
python3-cryptography module if it is installed (exit 0 with a note if not: optional check).
usage: verify_keys.py SUITE_DIR"""
import csv
import glob
import sys

try:
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
except ImportError:
    print("verify_keys: python3-cryptography not installed, check skipped")
    sys.exit(0)

SK = 46


# HMAC-SHA2 truncated to half its output (RFC 4868): ICV length, hash
HMACS = {"HMAC_SHA2_256_128": (16, hashes.SHA256), "HMAC_SHA2_384_192": (24, hashes.SHA384),
         "HMAC_SHA2_512_256": (32, hashes.SHA512)}


def verify_cbc_hmac(msg, key, integ_key, integ):
    """RFC 7296 §3.14: the ICV covers the message up to it; then AES-CBC with the 16-byte IV
    after the SK header, and the Pad Length octet last (RFC 3602 §2)."""
    icv_len, hash_alg = HMACS[integ.split(" ")[0]]
    mac = hmac.HMAC(integ_key, hash_alg())
    mac.update(msg[:-icv_len])
    if mac.finalize()[:icv_len] != msg[-icv_len:]:
        raise SystemExit("ICV mismatch")
    dec = Cipher(algorithms.AES(key), modes.CBC(msg[32:48])).decryptor()
    plain = dec.update(msg[48:-icv_len]) + dec.finalize()
    if plain[-1] >= len(plain):
        raise SystemExit("bad pad length")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    folder = sys.argv[1]
    keys = {}
    for row in csv.reader(open(f"{folder}/ikev2_decryption_table")):
        keys[(row[0], row[1])] = (bytes.fromhex(row[2]), bytes.fromhex(row[3]), row[4],
                                  bytes.fromhex(row[5]), bytes.fromhex(row[6]), row[7])
    checked = 0
    for path in sorted(glob.glob(f"{folder}/*.ike")):
        msg = open(path, "rb").read()
        if msg[16] != SK:
            continue
        ei, er, alg, ai, ar, integ = keys[(msg[0:8].hex(), msg[8:16].hex())]
        initiator = msg[19] & 0x08  # the I flag says who sent it
        key = ei if initiator else er
        if "CBC" in alg:
            verify_cbc_hmac(msg, key, ai if initiator else ar, integ)
        else:
            cipher = ChaCha20Poly1305(key[:-4]) if "CHACHA20" in alg else AESGCM(key[:-4])
            # AAD: IKE header + SK generic payload header; nonce: salt (last 4 key bytes) + 8-byte IV
            cipher.decrypt(key[-4:] + msg[32:40], msg[40:], msg[:32])
        checked += 1
    print(f"verify_keys: {folder}: {checked} SK payloads decrypt and authenticate")


if __name__ == "__main__":
    main()
