#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# gen.py - write the small test captures of tests/data/capture/
#
# specification: pcap (draft-ietf-opsawg-pcap), pcapng
# (draft-ietf-opsawg-pcapng: SHB, IDB with if_tsresol, EPB), LINKTYPE_
# values (tcpdump.org), IPv4/IPv6/TCP headers with real checksums.
#
# Deterministic: run it again and the files come out byte for byte the
# same.  Addresses: BatchNodeManagement.WestEurope 13.69.65.64/26 and
# AzureMachineLearning.WestEurope 13.69.64.192/28 from
# examples/contoso-westeurope/service-tags.json, nodes in snet-training
# (10.20.1.0/24), other sources from TEST-NET-3 (203.0.113.0/24) and
# 2001:db8::/32.  No payload bytes are written (lengths only, zero-filled).
#
# usage: python3 tests/data/capture/gen.py [OUTDIR]
import os
import struct
import sys

T0 = 1714557600  # 2024-05-01T10:00:00Z
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

LT_ETHERNET, LT_RAW, LT_SLL, LT_SLL2 = 1, 101, 113, 276


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    head, _, tail = a.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x]
    words = h + [0] * (8 - len(h) - len(t)) + t
    return struct.pack("!8H", *words)


def tcp(src, dst, sport, dport, seq, ack, flags, paylen=0, v6=False):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, 5 << 4, flags, 64240, 0, 0)
    seg = hdr + b"\0" * paylen
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(seg))
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4(src, dst, proto, payload, ident=1, frag=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      frag, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, ext=b""):
    return struct.pack("!IHBB", 6 << 28, len(ext) + len(payload), nh,
                       64) + src + dst + ext + payload


def eth(payload, ethertype=0x0800, vlan=None):
    h = b"\x00\x0d\x3a\x11\x22\x33" + b"\x12\x34\x56\x78\x9a\xbc"
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", ethertype) + payload


def sll2(payload, ethertype=0x0800):
    return struct.pack("!HHIHBB8s", ethertype, 0, 2, 1, 0, 6,
                       b"\x12\x34\x56\x78\x9a\xbc\0\0") + payload


def write_pcap(path, linktype, pkts, nano=False, snaplen=262144):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen,
                            linktype))
        for ts_ns, data in pkts:
            sec, frac = divmod(ts_ns, 10**9)
            if not nano:
                frac //= 1000
            cap = data[:snaplen]
            f.write(struct.pack("<IIII", sec, frac, len(cap), len(data)))
            f.write(cap)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def write_pcapng(path, linktype, pkts, tsresol=9):
    def block(btype, body):
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    shb = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 0)
    # if_tsresol option (9), then opt_endofopt
    opts = struct.pack("<HHB", 9, 1, tsresol) + b"\0\0\0" + \
        struct.pack("<HH", 0, 0)
    idb = struct.pack("<HHI", linktype, 0, 262144) + opts
    with open(path, "wb") as f:
        f.write(block(0x0A0D0D0A, shb))
        f.write(block(0x00000001, idb))
        for ts_ns, data in pkts:
            units = ts_ns // (10 ** (9 - tsresol))
            body = struct.pack("<IIIII", 0, units >> 32, units & 0xFFFFFFFF,
                               len(data), len(data)) + pad4(data)
            f.write(block(0x00000006, body))


class Flow:
    """One TCP connection: packets as (ts_ns, ip packet) pairs."""

    def __init__(self, client, cport, server, sport, isn=1000, sisn=5000):
        self.v6 = ":" in client
        self.c = ip6(client) if self.v6 else ip4(client)
        self.s = ip6(server) if self.v6 else ip4(server)
        self.cport, self.sport = cport, sport
        self.cseq, self.sseq = isn, sisn
        self.out = []

    def _ip(self, src, dst, seg, ext=b""):
        if self.v6:
            return ipv6(src, dst, 0 if ext else 6, seg, ext)
        return ipv4(src, dst, 6, seg)

    def c2s(self, t, flags, paylen=0, seq=None, ack=None, ext=b""):
        seg = tcp(self.c, self.s, self.cport, self.sport,
                  self.cseq if seq is None else seq,
                  (self.sseq + 1) if ack is None else ack, flags, paylen,
                  self.v6)
        self.out.append((t, self._ip(self.c, self.s, seg, ext)))

    def s2c(self, t, flags, paylen=0, seq=None, ack=None):
        seg = tcp(self.s, self.c, self.sport, self.cport,
                  self.sseq if seq is None else seq,
                  (self.cseq + 1) if ack is None else ack, flags, paylen,
                  self.v6)
        self.out.append((t, self._ip(self.s, self.c, seg)))


def ms(t):
    return T0 * 10**9 + round(t * 10**6) * 1000


def completed(fl, t, close=True):
    fl.c2s(ms(t), SYN, ack=0)
    fl.s2c(ms(t + 0.020), SYN | ACK)
    fl.c2s(ms(t + 0.040), ACK, seq=fl.cseq + 1)
    fl.c2s(ms(t + 0.041), PSH | ACK, 100, seq=fl.cseq + 1)
    fl.s2c(ms(t + 0.060), PSH | ACK, 60, seq=fl.sseq + 1, ack=fl.cseq + 101)
    if close:
        fl.c2s(ms(t + 0.080), FIN | ACK, seq=fl.cseq + 101,
               ack=fl.sseq + 61)
        fl.s2c(ms(t + 0.090), FIN | ACK, seq=fl.sseq + 61,
               ack=fl.cseq + 102)
        fl.c2s(ms(t + 0.100), ACK, seq=fl.cseq + 102, ack=fl.sseq + 62)


def reply_lost(fl, t):
    # the server answers every SYN; the answers never arrive, so the client
    # retransmits its SYN with exponential back-off (1 s, 2 s, 4 s)
    for dt in (0, 1, 3, 7):
        fl.c2s(ms(t + dt), SYN, ack=0)
        fl.s2c(ms(t + dt + 0.001), SYN | ACK)


def unanswered(fl, t, ext=b""):
    for dt in (0, 1, 3):
        fl.c2s(ms(t + dt), SYN, ack=0, ext=ext)


def refused(fl, t):
    fl.c2s(ms(t), SYN, ack=0)
    fl.s2c(ms(t + 0.001), RST | ACK, seq=0)


def reset_after(fl, t):
    fl.c2s(ms(t), SYN, ack=0)
    fl.s2c(ms(t + 0.020), SYN | ACK)
    fl.c2s(ms(t + 0.040), ACK, seq=fl.cseq + 1)
    fl.s2c(ms(t + 2.0), RST | ACK, seq=fl.sseq + 1)


def merge(*flows):
    pkts = [p for fl in flows for p in fl.out]
    pkts.sort(key=lambda p: p[0])
    return pkts


BATCH1, BATCH2 = "13.69.65.70", "13.69.65.71"
AML = "13.69.64.200"
NODE, CI = "10.20.1.4", "10.20.1.12"
OTHER = "203.0.113.5"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))

    # Batch manages a healthy node: two connections, both completed
    a = Flow(BATCH1, 50001, NODE, 29876, 1000, 7000)
    b = Flow(BATCH2, 50002, NODE, 29877, 2000, 8000)
    completed(a, 0)
    completed(b, 30)
    write_pcap(os.path.join(out, "batch-completed.pcap"), LT_ETHERNET,
               [(t, eth(p)) for t, p in merge(a, b)])

    # forced tunnelling: SYN-ACKs leave through the firewall and are lost
    # (pcapng, nanosecond resolution, one VLAN tag)
    a = Flow(BATCH1, 50011, NODE, 29877, 3000, 9000)
    c = Flow(AML, 50012, CI, 44224, 4000, 9500)
    reply_lost(a, 0)
    reply_lost(c, 10)
    write_pcapng(os.path.join(out, "reply-lost.pcapng"), LT_ETHERNET,
                 [(t, eth(p, vlan=7)) for t, p in merge(a, c)])

    # Linux cooked v2, raw IPv4 management traffic: unanswered, refused,
    # reset; plus one IPv4 fragment and a UDP datagram
    a = Flow(OTHER, 50021, NODE, 29876, 5000, 0)
    b = Flow(BATCH1, 50022, NODE, 29877, 6000, 0)
    c = Flow(BATCH2, 50023, NODE, 29876, 7000, 11000)
    unanswered(a, 0)
    refused(b, 5)
    reset_after(c, 6)
    extra = [(ms(8), ipv4(ip4(OTHER), ip4(NODE), 6, b"\0" * 40, 9, 0x2000)),
             (ms(8.5), ipv4(ip4(OTHER), ip4(NODE), 17, b"\0" * 16))]
    pkts = merge(a, b, c) + extra
    pkts.sort(key=lambda p: p[0])
    write_pcap(os.path.join(out, "sll2-states.pcap"), LT_SLL2,
               [(t, sll2(p)) for t, p in pkts], nano=True)

    # raw IPv6 with extension headers (hop-by-hop, destination options)
    # before TCP: unanswered SYNs to 44224; one completed to 29876
    hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])   # next: dest opts; PadN
    dst = bytes([6, 0, 1, 4, 0, 0, 0, 0])    # next: TCP
    a = Flow("2001:db8::5", 50031, "2001:db8:1::c", 44224, 100, 0)
    b = Flow("2001:db8::6", 50032, "2001:db8:1::4", 29876, 200, 300)
    unanswered(a, 0, ext=hbh + dst)
    completed(b, 4, close=False)
    write_pcap(os.path.join(out, "ipv6-exthdr.pcap"), LT_RAW, merge(a, b))

    # damaged files ------------------------------------------------------
    good = open(os.path.join(out, "batch-completed.pcap"), "rb").read()
    # cut in the middle of the fifth packet's bytes
    cut = 24
    for _ in range(4):
        cut += 16 + struct.unpack("<I", good[cut + 8:cut + 12])[0]
    cut += 16 + 20
    with open(os.path.join(out, "bad-cut-mid-packet.pcap"), "wb") as f:
        f.write(good[:cut])
    # a record claiming 2 GiB of captured bytes, absurd header snap length
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 0xFFFFFFFF, 1)
    with open(os.path.join(out, "bad-absurd-snaplen.pcap"), "wb") as f:
        f.write(hdr + good[24:24 + 16 + 54])
        f.write(struct.pack("<IIII", T0, 0, 0x7FFFFFFF, 0x7FFFFFFF))
        f.write(b"\0" * 32)
    # pcapng: a packet block whose trailing length disagrees
    ng = open(os.path.join(out, "reply-lost.pcapng"), "rb").read()
    shb_len = struct.unpack("<I", ng[4:8])[0]
    idb_len = struct.unpack("<I", ng[shb_len + 4:shb_len + 8])[0]
    epb = shb_len + idb_len
    epb_len = struct.unpack("<I", ng[epb + 4:epb + 8])[0]
    second = epb + epb_len
    bad = bytearray(ng[:second + 200])
    struct.pack_into("<I", bad, second + 4, 0xFFFFFFF0)
    with open(os.path.join(out, "bad-block-length.pcapng"), "wb") as f:
        f.write(bytes(bad))
    with open(os.path.join(out, "bad-not-a-capture.pcap"), "wb") as f:
        f.write(b"this is not a capture file\n")
    with open(os.path.join(out, "empty-header-only.pcap"), "wb") as f:
        f.write(good[:24])


if __name__ == "__main__":
    main()
