#!/usr/bin/env python3
"""Checks a capture folder: every SK payload decrypts and authenticates with the keys of its
ikev2_decryption_table (AES-GCM or ChaCha20-Poly1305, RFC 5282 / RFC 7634 layout). Uses the
python3-cryptography module if it is installed (exit 0 with a note if not: optional check).
usage: verify_keys.py SUITE_DIR"""
import csv
import glob
import sys

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
except ImportError:
    print("verify_keys: python3-cryptography not installed, check skipped")
    sys.exit(0)

SK = 46


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    folder = sys.argv[1]
    keys = {}
    for row in csv.reader(open(f"{folder}/ikev2_decryption_table")):
        keys[(row[0], row[1])] = (bytes.fromhex(row[2]), bytes.fromhex(row[3]), row[4])
    checked = 0
    for path in sorted(glob.glob(f"{folder}/*.ike")):
        msg = open(path, "rb").read()
        if msg[16] != SK:
            continue
        ei, er, alg = keys[(msg[0:8].hex(), msg[8:16].hex())]
        key = ei if msg[19] & 0x08 else er  # the I flag says who sent it
        cipher = ChaCha20Poly1305(key[:-4]) if "CHACHA20" in alg else AESGCM(key[:-4])
        # AAD: IKE header + SK generic payload header; nonce: salt (last 4 key bytes) + 8-byte IV
        cipher.decrypt(key[-4:] + msg[32:40], msg[40:], msg[:32])
        checked += 1
    print(f"verify_keys: {folder}: {checked} SK payloads decrypt and authenticate")


if __name__ == "__main__":
    main()
