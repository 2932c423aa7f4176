#!/usr/bin/env python3
"""Mesh start-up with many sites (issue 17, item 4b): meshd with a signed directory of N sites
beside Debian's strongSwan charon loading N trap connections (swanctl --load-conns), on the host
kernel (trap policies need no ESP), each in its own network namespace.

For each N: time to ready, the kernel's policy counts then, and memory.
  meshd:   from exec to READY=1 on $NOTIFY_SOCKET (sd_notify); meshd installs its trap
           policies before it says ready (checked: the policy count at READY).
  charon:  from the start of `swanctl --load-conns` (charon already running, credentials
           loaded) until the kernel holds all trap policies (polled every 10 ms), and when
           swanctl returned.
Memory: meshd's VmRSS at READY and its peak (VmHWM); charon's VmRSS growth over the load and
its total. Then the ratios charon / meshd.

  usage: run.py MESHD MESHCA [--sites 1000,10000] [--smoke] [--keep DIR]
  --smoke: 20 sites; fails unless both install every policy (ctest, seconds)
Needs root and strongSwan (else exit 77).
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

NS_PREFIX = f"bst{os.getpid()}-"
SELF = "192.0.2.1"


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, **kw)


def netns(name):
    full = NS_PREFIX + name
    sh("ip", "netns", "add", full)
    sh("ip", "-n", full, "link", "set", "lo", "up")
    # our address on lo (hosts may lack the dummy module); the sites are never reached
    sh("ip", "-n", full, "addr", "add", SELF + "/32", "dev", "lo")
    return full


def policy_count(ns):
    """(in, out, fwd) from `ip xfrm policy count`."""
    out = subprocess.run(["ip", "-n", ns, "xfrm", "policy", "count"], capture_output=True, text=True).stdout
    t = out.split()
    try:
        return int(t[t.index("IN") + 1]), int(t[t.index("OUT") + 1]), int(t[t.index("FWD") + 1])
    except (ValueError, IndexError):
        return 0, 0, 0


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def site(i):
    """Endpoint and subnet of site i (1-based); subnet i is the i-th /24 of 10.64.0.0/10, as
    meshca issue --count --split 24 gives them (checked against the certificates)."""
    return f"100.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}", f"10.{64 + ((i - 1) >> 8)}.{(i - 1) & 255}.0/24"


def make_pki(meshca, work, n):
    env = dict(os.environ, MESHCA_UNSAFE_NO_FSYNC="1")
    run = lambda *a: sh(meshca, *a, cwd=work, env=env, stdout=subprocess.DEVNULL)
    run("init", "--name", "bench CA", "--subnets", "10.0.0.0/8", "--dir", "ca")
    run("issue", "--dir", "ca", "--name", "self.mesh.example", "--subnets", "10.0.1.0/24",
        "--endpoint", SELF, "--out-dir", "self")
    run("issue", "--dir", "ca", "--count", str(n), "--name-pattern", "site%d.mesh.example",
        "--subnets", "10.64.0.0/10", "--split", "24", "--out-dir", "sites")
    with open(os.path.join(work, "nodes"), "w") as f:
        f.write(f"node self.mesh.example {SELF} 10.0.1.0/24\n")
        for i in range(1, n + 1):
            ep, net = site(i)
            f.write(f"node site{i}.mesh.example {ep} {net}\n")
    # the directory sign checks each node's subnets against its certificate: a wrong guess of
    # meshca's numbering fails here
    run("directory", "sign", "--dir", "ca", "nodes")
    shutil.rmtree(os.path.join(work, "sites"))  # the sites' own keys are not needed


def meshd_config(work):
    d = os.path.join(work, "meshd")
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    for f in ("self/self.mesh.example.crt", "self/self.mesh.example.key", "ca/ca.crt", "directory.signed"):
        shutil.copy(os.path.join(work, f), d)
    os.chmod(os.path.join(d, "self.mesh.example.key"), 0o600)
    with open(os.path.join(d, "meshd.toml"), "w") as f:
        f.write(f"""[node]
name = "self.mesh.example"
certificate = "self.mesh.example.crt"
key = "self.mesh.example.key"
ca = "ca.crt"
directory = "directory.signed"
subnets = ["10.0.1.0/24"]
listen = ["{SELF}"]
state_dir = "state"
log_level = "notice"

[proposals]
ike = ["aes256gcm16-prfsha256-x25519"]
esp = ["aes256gcm16"]
""")
    return os.path.join(d, "meshd.toml")


def bench_meshd(meshd, work, n):
    ns = netns(f"m{n}")
    conf = meshd_config(work)
    sock_path = os.path.join(tempfile.mkdtemp(prefix="bst-notify-"), "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.5)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    log = open(os.path.join(work, f"meshd-{n}.log"), "w")
    t0 = time.monotonic()
    p = subprocess.Popen(["ip", "netns", "exec", ns, meshd, "--config", conf], env=env, stdout=log,
                         stderr=subprocess.STDOUT)
    ready = None
    try:
        deadline = t0 + 600
        while ready is None and time.monotonic() < deadline and p.poll() is None:
            try:
                msg = sock.recv(4096).decode(errors="replace")
            except socket.timeout:
                continue
            if "READY=1" in msg.split("\n"):
                ready = time.monotonic() - t0
        if ready is None:
            raise RuntimeError(f"meshd with {n} sites never said READY=1 (see {log.name})")
        counts = policy_count(ns)
        installed = ready
        while counts[1] < n and time.monotonic() < t0 + 600:
            time.sleep(0.01)
            counts = policy_count(ns)
            installed = time.monotonic() - t0
        # `ip netns exec` execs meshd: the Popen pid is meshd's
        rss, hwm = status_kb(p.pid, "VmRSS"), status_kb(p.pid, "VmHWM")
        cpu = cpu_seconds(p.pid)
    finally:
        p.terminate()
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        sock.close()
        shutil.rmtree(os.path.dirname(sock_path))
        sh("ip", "netns", "del", ns)
    return dict(ready=installed, swanctl=ready, counts=counts, rss=rss, hwm=hwm, growth=None, cpu=cpu)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        t = f.read().rsplit(")", 1)[1].split()
    return (int(t[11]) + int(t[12])) / os.sysconf("SC_CLK_TCK")


def charon_config(work, n):
    d = os.path.join(work, f"charon-{n}")
    for sub in ("run", "swanctl/x509", "swanctl/x509ca", "swanctl/private"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    shutil.copy(os.path.join(work, "ca/ca.crt"), os.path.join(d, "swanctl/x509ca"))
    shutil.copy(os.path.join(work, "self/self.mesh.example.crt"), os.path.join(d, "swanctl/x509"))
    shutil.copy(os.path.join(work, "self/self.mesh.example.key"), os.path.join(d, "swanctl/private"))
    with open(os.path.join(d, "strongswan.conf"), "w") as f:
        f.write(f"""charon {{
  load = random drbg nonce pem pkcs1 pkcs8 pubkey x509 revocation constraints openssl sha1 sha2 hmac kdf gcm aes kernel-netlink socket-default vici
  install_virtual_ip = no
  filelog {{ bench {{ path = {d}/charon.log
    default = 1
    cfg = 0 }} }}
  syslog {{ daemon {{ default = -1 }} }}
}}
swanctl {{ load = random pem pkcs1 pkcs8 x509 openssl }}
""")
    # the same trap connections meshd derives from the directory: one per site, our subnet to
    # its subnet, same proposals, certificate authentication
    with open(os.path.join(d, "swanctl/swanctl.conf"), "w") as f:
        f.write("connections {\n")
        for i in range(1, n + 1):
            ep, net = site(i)
            f.write(f"""  site{i} {{
    version = 2
    local_addrs = {SELF}
    remote_addrs = {ep}
    proposals = aes256gcm16-prfsha256-curve25519
    local {{ auth = pubkey
      certs = self.mesh.example.crt
      id = self.mesh.example }}
    remote {{ auth = pubkey
      id = site{i}.mesh.example }}
    children {{ net {{ local_ts = 10.0.1.0/24
      remote_ts = {net}
      esp_proposals = aes256gcm16
      start_action = trap }} }}
  }}
""")
        f.write("}\n")
    return d


def bench_charon(work, n):
    ns = netns(f"c{n}")
    d = charon_config(work, n)
    env = dict(os.environ, STRONGSWAN_CONF=f"{d}/strongswan.conf", SWANCTL_DIR=f"{d}/swanctl")
    uri = f"unix://{d}/run/charon.vici"
    out = open(os.path.join(d, "charon.stdout"), "w")
    p = subprocess.Popen(["ip", "netns", "exec", ns, "sh", "-c",
                          f"mount --bind '{d}/run' /run && exec /usr/lib/ipsec/charon"],
                         env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 60
        while not os.path.exists(f"{d}/run/charon.vici"):
            if time.monotonic() > end or p.poll() is not None:
                raise RuntimeError("charon did not open its vici socket")
            time.sleep(0.05)
        time.sleep(0.3)
        sh("swanctl", "--load-creds", "--noprompt", "--uri", uri, env=env, stdout=subprocess.DEVNULL)
        pid = charon_pid(d)
        rss0 = status_kb(pid, "VmRSS")
        cpu0 = cpu_seconds(pid)
        t0 = time.monotonic()
        sw = subprocess.Popen(["swanctl", "--load-conns", "--uri", uri], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        swanctl = installed = None
        deadline = t0 + 1800
        counts = (0, 0, 0)
        while time.monotonic() < deadline:
            if swanctl is None and sw.poll() is not None:
                swanctl = time.monotonic() - t0
                if sw.returncode != 0:
                    raise RuntimeError("swanctl --load-conns failed: " + sw.stderr.read().decode()[-500:])
            counts = policy_count(ns)
            if counts[1] >= n and installed is None:
                installed = time.monotonic() - t0
            if installed is not None and swanctl is not None:
                break
            time.sleep(0.01)
        if installed is None:
            raise RuntimeError(f"charon installed only {counts} policies for {n} trap conns")
        rss = status_kb(pid, "VmRSS")
        cpu = cpu_seconds(pid) - cpu0
    finally:
        subprocess.run(["ip", "netns", "exec", ns, "sh", "-c", f"kill $(cat '{d}/run/charon.pid')"],
                       stderr=subprocess.DEVNULL)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        sh("ip", "netns", "del", ns)
    return dict(ready=installed, swanctl=swanctl, counts=counts, rss=rss, hwm=None, growth=rss - rss0, cpu=cpu)


def charon_pid(d):
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            with open(f"{d}/run/charon.pid") as f:
                return int(f.read())
        except (OSError, ValueError):
            time.sleep(0.05)
    raise RuntimeError("no charon.pid")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("meshd")
    ap.add_argument("meshca")
    ap.add_argument("--sites", default="1000,10000")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one, removed)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root", file=sys.stderr)
        return 77
    if not os.access("/usr/lib/ipsec/charon", os.X_OK) or not shutil.which("swanctl"):
        print("SKIP: strongSwan not installed", file=sys.stderr)
        return 77
    sizes = [20] if a.smoke else [int(x) for x in a.sites.split(",")]
    meshd, meshca = os.path.realpath(a.meshd), os.path.realpath(a.meshca)
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, load average "
          f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print("ready s: from exec (meshd) / from the start of swanctl --load-conns (charon) until every trap policy is in")
    print("the kernel; said s: meshd's READY=1, swanctl's return. RSS at ready; peak (VmHWM); growth over the load.")
    print("| sites  | daemon | ready s | said s    | policies in/out/fwd | RSS KB  | peak KB | growth KB | CPU s  |")
    print("|--------|--------|---------|-----------|---------------------|---------|---------|-----------|--------|")
    ok = True
    ratios = []
    for n in sizes:
        work = a.keep + f"/{n}" if a.keep else tempfile.mkdtemp(prefix="bench-startup-")
        os.makedirs(work, exist_ok=True)
        try:
            t = time.monotonic()
            make_pki(meshca, work, n)
            pki_s = time.monotonic() - t
            m = bench_meshd(meshd, work, n)
            c = bench_charon(work, n)
        finally:
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
        for name, r in (("meshd", m), ("charon", c)):
            sw = "-" if r["swanctl"] is None else f"{r['swanctl']:.3f}"
            hwm = "-" if r["hwm"] is None else str(r["hwm"])
            growth = "-" if r["growth"] is None else str(r["growth"])
            print(f"| {n:6} | {name:6} | {r['ready']:7.3f} | {sw:>9} | {'/'.join(map(str, r['counts'])):>19} | "
                  f"{r['rss']:7} | {hwm:>7} | {growth:>9} | {r['cpu']:6.2f} |", flush=True)
            if r["counts"][1] < n:
                print(f"FAIL: {name} has {r['counts'][1]} outbound policies for {n} sites", file=sys.stderr)
                ok = False
        ratios.append((n, c["ready"] / m["ready"], c["rss"] / m["rss"], pki_s))
    print("\n| sites  | ready: charon / meshd | RSS: charon / meshd | (PKI + directory made in) |")
    print("|--------|-----------------------|---------------------|---------------------------|")
    for n, rt, rr, pki_s in ratios:
        print(f"| {n:6} | {rt:21.1f} | {rr:19.2f} | {pki_s:23.1f} s |")
    print(f"# end: load average {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
