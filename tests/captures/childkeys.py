#!/usr/bin/env python3
"""Extracts the child SA keys that charon logs at `chd = 4` (RFC 7296 §2.17 KEYMAT, split as
ESP uses it) into child_keys.txt lines "N NAME hex": N counts the child SAs in the order the log
shows them (1: made by IKE_AUTH, 2: its rekey, ...), NAME is encr_i, integ_i, encr_r or integ_r
(initiator->responder and responder->initiator; AEAD keys include their salt and have no integ).
usage: childkeys.py < charon.log > child_keys.txt      (standard library only)"""
import re
import sys

from keys2table import read_dump

HEADER = re.compile(r"<[^>]*> (encryption|integrity) (initiator|responder) key => (\d+) bytes @")
NAMES = {"encryption": "encr", "integrity": "integ"}


def main():
    lines = sys.stdin.read().splitlines()
    child, seen, i = 0, set(), 0
    while i < len(lines):
        m = HEADER.search(lines[i])
        i += 1
        if not m:
            continue
        name = f"{NAMES[m.group(1)]}_{m.group(2)[0]}"
        if child == 0 or name in seen:  # a key we already have for this child: the next child
            child, seen = child + 1, set()
        seen.add(name)
        data, i = read_dump(lines, i, name, int(m.group(3)))
        print(f"{child} {name} {data.hex()}")
    if child == 0:
        raise SystemExit("no child SA keys in the log (chd = 4?)")


if __name__ == "__main__":
    main()
