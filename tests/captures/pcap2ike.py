#!/usr/bin/env python3
"""Extracts the IKE messages of a pcap file (Ethernet or Linux cooked, IPv4/IPv6, UDP 500/4500)
into OUTDIR/<NN>-<exchange>-<request|response>.ike, the raw IKE message (the 4-byte non-ESP
marker of port 4500 stripped). ESP-in-UDP and NAT keepalives are skipped. Prints one index line
per message. Standard library only."""
import struct
import sys

EXCHANGES = {34: "ike_sa_init", 35: "ike_auth", 36: "create_child_sa", 37: "informational"}
PAYLOADS = {0: "none", 33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ",
            39: "AUTH", 40: "Nonce", 41: "N", 42: "D", 43: "V", 44: "TSi", 45: "TSr",
            46: "SK", 47: "CP", 48: "EAP", 53: "SKF"}


def packets(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("not a classic pcap file (pcapng is not supported)")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        yield linktype, data[off + 16:off + 16 + incl]
        off += 16 + incl


def udp_payload(linktype, frame):
    """Returns (src, sport, dst, dport, payload) or None."""
    if linktype == 1:  # Ethernet
        ethertype, l3 = struct.unpack("!H", frame[12:14])[0], frame[14:]
    elif linktype == 113:  # Linux cooked capture (any)
        ethertype, l3 = struct.unpack("!H", frame[14:16])[0], frame[16:]
    elif linktype == 101:  # raw IP
        ethertype, l3 = (0x86DD if frame[0] >> 4 == 6 else 0x0800), frame
    else:
        raise SystemExit(f"unsupported link type {linktype}")
    if ethertype == 0x0800:
        ihl = (l3[0] & 0x0F) * 4
        if l3[9] != 17:
            return None
        total = struct.unpack("!H", l3[2:4])[0]
        src, dst, l4 = ".".join(map(str, l3[12:16])), ".".join(map(str, l3[16:20])), l3[ihl:total]
    elif ethertype == 0x86DD:
        if l3[6] != 17:  # extension headers are not expected here
            return None
        plen = struct.unpack("!H", l3[4:6])[0]
        src, dst, l4 = l3[8:24].hex(), l3[24:40].hex(), l3[40:40 + plen]
    else:
        return None
    sport, dport, ulen = struct.unpack("!HHH", l4[:6])
    return src, sport, dst, dport, l4[8:ulen]


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: pcap2ike.py FILE.pcap OUTDIR")
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    n = 0
    for linktype, frame in packets(data):
        u = udp_payload(linktype, frame)
        if u is None:
            continue
        src, sport, dst, dport, msg = u
        if 4500 in (sport, dport):
            if len(msg) < 4 or msg[:4] != b"\0\0\0\0":
                continue  # ESP in UDP (non-zero SPI) or a NAT keepalive (0xff)
            msg = msg[4:]
        elif 500 not in (sport, dport):
            continue
        if len(msg) < 28:
            continue
        exch, flags = msg[18], msg[19]
        role = "response" if flags & 0x20 else "request"
        name = EXCHANGES.get(exch, f"exchange{exch}")
        n += 1
        fname = f"{n:02d}-{name}-{role}.ike"
        with open(f"{sys.argv[2]}/{fname}", "wb") as f:
            f.write(msg)
        msgid, length = struct.unpack("!II", msg[20:28])
        sender = "initiator" if flags & 0x08 else "responder"
        print(f"{fname:40s} {src}:{sport} -> {dst}:{dport}  ispi={msg[0:8].hex()} "
              f"rspi={msg[8:16].hex()} msgid={msgid} len={length} from={sender} "
              f"first={PAYLOADS.get(msg[16], str(msg[16]))}")


if __name__ == "__main__":
    main()
