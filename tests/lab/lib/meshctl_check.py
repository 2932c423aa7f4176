#!/usr/bin/python3
"""Checks of meshctl's JSON against the kernel and of the control socket's robustness (issue 16).

  meshctl_check.py xfrm STATUS.json STATE.txt POLICY.txt   every child SA and policy of the
      status JSON is in `ip -s xfrm state` / `ip xfrm policy` with the same SPI, addresses,
      reqid, algorithm, byte and packet counts, direction, selector and priority
  meshctl_check.py ike A.json B.json PEER_A PEER_B          A's IKE SA with PEER_B and B's with
      PEER_A have the same SPIs, opposite roles
  meshctl_check.py garbage SOCKET                           random bytes, a 10 MiB line, a half
      request then close: each answered or closed; then a status request is answered
Prints what it checked; exit 1 on the first mismatch.
"""
import json
import os
import re
import socket
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def kernel_sas(text):
    sas, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"src (\S+) dst (\S+)", line)
        if m:
            cur = {"src": m.group(1), "dst": m.group(2)}
            continue
        if cur is None:
            continue
        m = re.search(r"proto esp spi (0x[0-9a-f]+)\S* reqid (\d+)", line)
        if m:
            cur["spi"], cur["reqid"] = m.group(1), int(m.group(2))
            sas[(cur["dst"], cur["spi"])] = cur
        m = re.search(r"^\s*(aead|enc) (\S+)", line)
        if m:
            cur.setdefault("alg", m.group(2))
        m = re.search(r"^\s*(\d+)\(bytes\), (\d+)\(packets\)", line)
        if m:
            cur["bytes"], cur["packets"] = int(m.group(1)), int(m.group(2))
    return sas


def kernel_policies(text):
    pols, cur = [], None
    for line in text.splitlines():
        m = re.match(r"src (\S+) dst (\S+)", line)
        if m:
            cur = {"src": m.group(1), "dst": m.group(2), "reqids": []}
            pols.append(cur)
            continue
        if cur is None:
            continue
        m = re.search(r"dir (\w+) priority (\d+)", line)
        if m:
            cur["dir"], cur["priority"] = m.group(1), int(m.group(2))
        m = re.search(r"reqid (\d+)", line)
        if m:
            cur["reqids"].append(int(m.group(1)))
    return pols


def check_xfrm(status_file, state_file, policy_file):
    status = json.load(open(status_file))
    sas = kernel_sas(open(state_file).read())
    pols = kernel_policies(open(policy_file).read())
    children = status["child_sas"]
    if not children:
        fail("no child SA in the status JSON")
    n = 0
    for c in children:
        for d in ("in", "out"):
            j = c[d]
            k = sas.get((j["dst"], j["spi"]))
            if k is None:
                fail(f"{c['peer']} {d} SA {j['spi']} to {j['dst']} is not in ip xfrm state")
            for key, kv in (("src", k["src"]), ("spi", k["spi"]), ("kernel_algorithm", k.get("alg")),
                            ("bytes", k.get("bytes")), ("packets", k.get("packets"))):
                if j[key] != kv:
                    fail(f"{c['peer']} {d} SA {j['spi']}: {key} is {j[key]!r} in meshctl, {kv!r} in the kernel")
            if k["reqid"] != c["reqid"]:
                fail(f"{c['peer']} {d} SA {j['spi']}: reqid {c['reqid']} in meshctl, {k['reqid']} in the kernel")
            if j["in_kernel"] is not True:
                fail(f"{c['peer']} {d} SA {j['spi']}: in_kernel is not true")
            n += 1
        if not c["policies"]:
            fail(f"{c['peer']}: no policies")
        for p in c["policies"]:
            match = [q for q in pols if q["src"] == p["src"] and q["dst"] == p["dst"] and q.get("dir") == p["dir"]]
            if len(match) != 1:
                fail(f"{c['peer']} policy {p}: {len(match)} kernel policies match")
            q = match[0]
            if q["priority"] != p["priority"]:
                fail(f"{c['peer']} policy {p}: priority {q['priority']} in the kernel")
            if c["reqid"] not in q["reqids"]:
                fail(f"{c['peer']} policy {p}: template reqid {q['reqids']} in the kernel, {c['reqid']} in meshctl")
            n += 1
    print(f"meshctl_check: {len(children)} child SAs: {n} SAs and policies match the kernel field by field")


def check_ike(a_file, b_file, peer_a, peer_b):
    a, b = json.load(open(a_file)), json.load(open(b_file))
    sa = [i for i in a["ike_sas"] if i["peer"] == peer_b and i["state"] == "established"]
    sb = [i for i in b["ike_sas"] if i["peer"] == peer_a and i["state"] == "established"]
    if len(sa) != 1 or len(sb) != 1:
        fail(f"established IKE SAs: {len(sa)} at {peer_a}, {len(sb)} at {peer_b}")
    x, y = sa[0], sb[0]
    if (x["spi_i"], x["spi_r"]) != (y["spi_i"], y["spi_r"]) or x["spi_i"] == "0" * 16:
        fail(f"IKE SPIs differ: {x['spi_i']}/{x['spi_r']} vs {y['spi_i']}/{y['spi_r']}")
    if {x["role"], y["role"]} != {"initiator", "responder"}:
        fail(f"roles {x['role']} and {y['role']}")
    if x["algorithms"] != y["algorithms"] or not x["algorithms"]:
        fail(f"algorithms {x['algorithms']!r} vs {y['algorithms']!r}")
    print(f"meshctl_check: IKE SA {x['spi_i']}/{x['spi_r']} the same at both ends ({x['algorithms']})")


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(15)
    s.connect(path)
    return s


def read_reply(s):
    data = b""
    try:
        while b"\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return json.loads(data.split(b"\n")[0]) if b"\n" in data else None


def check_garbage(path):
    # random bytes, as one line
    s = connect(path)
    s.sendall(os.urandom(4096).replace(b"\n", b" ") + b"\n")
    r = read_reply(s)
    s.close()
    if not r or r.get("ok") is not False or r.get("error") != "malformed":
        fail(f"random bytes: reply {r}")
    print("meshctl_check: random bytes answered 'malformed'")
    # a 10 MiB line: meshd stops reading at its limit, answers too-long and closes
    s = connect(path)
    big = b'{"command":"status","pad":"' + b"x" * (10 * 1024 * 1024) + b'"}\n'
    try:
        s.sendall(big)
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = read_reply(s)
    s.close()
    if not r or r.get("error") != "too-long":
        fail(f"10 MiB line: reply {r}")
    print("meshctl_check: a 10 MiB line answered 'too-long', connection closed")
    # half a request, then close
    s = connect(path)
    s.sendall(b'{"command":"sta')
    s.close()
    # and the next client is served
    s = connect(path)
    s.sendall(b'{"command":"status","id":42}\n')
    r = read_reply(s)
    s.close()
    if not r or r.get("ok") is not True or r.get("id") != 42 or "peers" not in r["result"]:
        fail(f"status after the garbage: {r}")
    print("meshctl_check: after random bytes, a 10 MiB line and a half request, status is answered")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "xfrm" and len(sys.argv) == 5:
        check_xfrm(*sys.argv[2:])
    elif cmd == "ike" and len(sys.argv) == 6:
        check_ike(*sys.argv[2:])
    elif cmd == "garbage" and len(sys.argv) == 3:
        check_garbage(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)


main()
