#!/usr/bin/python3
"""Plots for docs/hub-tax.md from the files tests/lab/t/hub-tax.sh --out DIR writes
(hubtax.tsv, ondemand.tsv). Needs python3-matplotlib.

  usage: scripts/bench-plots.py DIR [OUT_DIR]     (OUT_DIR default: docs/img)
(Debian's /usr/bin/python3: python3-matplotlib is installed for it.)
Writes hub-tax-rtt.png, hub-tax-throughput.png, hub-tax-uplink.png, on-demand.png.
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return 0.0


def bars(rows, field, ylabel, title, out):
    pairs = []
    for r in rows:
        if r["pair"] not in pairs:
            pairs.append(r["pair"])
    val = {(r["setup"], r["pair"]): num(r[field]) for r in rows}
    fig, ax = plt.subplots(figsize=(8, 4))
    w = 0.38
    xs = range(len(pairs))
    for k, (setup, colour) in enumerate((("hub", "#c0504d"), ("mesh", "#4f81bd"))):
        ys = [val.get((setup, p), 0.0) for p in pairs]
        ax.bar([x + (k - 0.5) * w for x in xs], ys, w, label=setup + (" (hub-and-spoke via nyc)" if setup == "hub" else " (direct)"),
               color=colour)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(pairs, rotation=20)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else "docs/img"
    os.makedirs(out, exist_ok=True)
    rows = read(os.path.join(src, "hubtax.tsv"))
    bars([r for r in rows if r["rtt_ms"] not in ("", "-")], "rtt_ms", "ms", "RTT per pair (ping through ESP)",
         os.path.join(out, "hub-tax-rtt.png"))
    bars(rows, "mbit", "Mbit/s", "Throughput per pair (iperf3, one TCP stream; last: 3 spoke flows at once)",
         os.path.join(out, "hub-tax-throughput.png"))
    for r in rows:
        r["hub_mb"] = num(r["hub_bytes"]) / 1e6
    bars(rows, "hub_mb", "MB", "Bytes on nyc's uplink during each transfer (in + out)", os.path.join(out, "hub-tax-uplink.png"))
    od = read(os.path.join(src, "ondemand.tsv"))
    rtts = []
    for r in od:
        if r["rtt_ms"] not in rtts:
            rtts.append(r["rtt_ms"])
    fig, ax = plt.subplots(figsize=(8, 4))
    series = (("target", "target: 2 RTT + 3 ms + crypto", "#9bbb59"), ("meshd", "meshd, cold", "#95b3d7"),
              ("meshd-warm", "meshd, warm", "#4f81bd"), ("strongswan", "strongSwan (trap), cold", "#e6b9b8"),
              ("strongswan-warm", "strongSwan (trap), warm", "#c0504d"))
    w = 0.8 / len(series)
    for k, (name, label, colour) in enumerate(series):
        ys = []
        for rtt in rtts:
            rr = [r for r in od if r["rtt_ms"] == rtt]
            if name == "target":
                ys.append(num(rr[0]["target_ms"]))
            else:
                ys.append(sum(num(r["setup_ms"]) for r in rr if r["daemon"] == name))
        ax.bar([x + (k - (len(series) - 1) / 2) * w for x in range(len(rtts))], ys, w, label=label, color=colour)
    ax.set_xticks(range(len(rtts)))
    ax.set_xticklabels([f"RTT {r} ms" for r in rtts])
    ax.set_ylabel("ms from ACQUIRE to the last SA installed")
    ax.set_title("On-demand tunnel set-up")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "on-demand.png"), dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
