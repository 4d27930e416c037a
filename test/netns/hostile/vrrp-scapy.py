"""Hostile VRRP packets crafted with scapy, a tool nobody in this project wrote.

Used by vrrp.test.ts in this folder; runs inside the sender's namespace:

    .cache/scapy-venv/bin/python vrrp-scapy.py VECTORS.txt TARGET_MAC

Reads one case name per line on stdin, sends that case's frames out of eth0 and answers
"sent NAME" (or "error NAME: why"). Most cases mutate the real keepalived 2.2.7 frames of
VECTORS.txt; the IPv6 ones are built from scratch. scapy fills in lengths and checksums unless
a case breaks them on purpose.
"""

import sys

from scapy.all import Ether, IP, IPv6, IPOption_Router_Alert, Raw, fragment, get_if_hwaddr, sendp
from scapy.layers.vrrp import VRRP, VRRPv3

vectors_path, target_mac = sys.argv[1], sys.argv[2]
OWN = get_if_hwaddr("eth0")
STRANGER = "10.77.0.9"  # not configured anywhere: a multicast instance accepts any sender
PEER = "10.77.0.4"  # the unicast instance's configured peer (keepalived's frame is from it)
TARGET = "10.77.0.1"  # our speaker's address (the unicast frame's destination)
LL = "fe80::9"


def vector(name):
    for line in open(vectors_path):
        if line.startswith(name + " |"):
            return Ether(bytes.fromhex(line.split("|")[1].strip()))
    raise KeyError(name)


def refresh(p, *, ip_sum=True, vrrp_sum=True):
    """Drops stored lengths and checksums so that scapy recomputes them for the mutation."""
    p = p.copy()
    p[Ether].src = OWN
    if IP in p:
        del p[IP].len
        if ip_sum:
            del p[IP].chksum
    for layer in (VRRP, VRRPv3):
        if layer in p and vrrp_sum:
            del p[layer].chksum
    return Ether(bytes(p))


def v2(**ip):
    """keepalived's v2 advert (vrid 51, prio 150, PASS secret1) from a stranger."""
    p = vector("vrrpv2_advert_prio150")
    p[IP].src = ip.pop("src", STRANGER)
    for k, v in ip.items():
        setattr(p[IP], k, v)
    return p


def v3(**ip):
    """keepalived's v3 advert (vrid 52, prio 150, 100 cs) from a stranger."""
    p = vector("vrrpv3_advert_prio150")
    p[IP].src = ip.pop("src", STRANGER)
    for k, v in ip.items():
        setattr(p[IP], k, v)
    return p


def uni(src=PEER, **vrrp):
    """keepalived's unicast v3 advert (vrid 61, prio 100) to our address."""
    p = vector("vrrpv3_advert_unicast")
    p[Ether].dst = target_mac
    p[IP].src = src
    p[IP].dst = TARGET
    for k, v in vrrp.items():
        setattr(p[VRRPv3], k, v)
    return p


def v6(hlim=255, **vrrp):
    """A v3 IPv6 advert for vrid 63 (keepalived sends the same shape), prio 100."""
    fields = dict(vrid=63, priority=100, adv=100, addrlist=["fd00:77::100"])
    fields.update(vrrp)
    return Ether(src=OWN, dst="33:33:00:00:00:12") / IPv6(src=LL, dst="ff02::12", hlim=hlim, nh=112) / VRRPv3(**fields)


def with_vrrp(p, **fields):
    p = p.copy()
    layer = VRRP if VRRP in p else VRRPv3
    for k, v in fields.items():
        setattr(p[layer], k, v)
    return p


def raw_payload(p, data):
    """Replaces the VRRP message with `data` (already a complete, possibly broken, message)."""
    q = p.copy()
    q[IP].remove_payload()
    return Ether(bytes(refresh(q / Raw(data))))


def corrupt_sum(p):
    p = refresh(p)
    layer = VRRP if VRRP in p else VRRPv3
    p[layer].chksum ^= 0x5A5A
    return Ether(bytes(p))


def marker():
    """An unknown-VRID advert sent after a case whose own frames never reach the speaker."""
    return refresh(with_vrrp(v2(), vrid=99))


def cases():
    good2 = refresh(v2())
    vrrp2 = bytes(good2[VRRP])
    six = v6()
    return {
        # v2, vrid 51, PASS "secret1", 1 s: keepalived's frame, then mutations of it.
        "v2-keepalived-frame-lower-priority": [good2],
        "v2-version-nibble-4": [refresh(with_vrrp(v2(), version=4))],
        "v2-version-3-header-on-v2-instance": [refresh(with_vrrp(v2(), version=3))],
        "v2-type-2-not-advert": [refresh(with_vrrp(v2(), type=2))],
        "v2-ttl-254": [refresh(v2(ttl=254))],
        "v2-bad-checksum": [corrupt_sum(v2())],
        "v2-truncated-auth": [raw_payload(v2(), vrrp2[:-4])],
        "v2-truncated-below-header": [raw_payload(v2(), vrrp2[:6])],
        "v2-unknown-vrid": [refresh(with_vrrp(v2(), vrid=99))],
        "v2-auth-type-none": [refresh(with_vrrp(v2(), authtype=0, auth1=0, auth2=0))],
        "v2-auth-type-ah": [refresh(with_vrrp(v2(), authtype=2))],
        "v2-wrong-password": [refresh(with_vrrp(v2(), auth1=0x77726F6E, auth2=0x67000000))],
        "v2-interval-2s": [refresh(with_vrrp(v2(), adv=2))],
        "v2-address-count-lies-2-for-1": [refresh(with_vrrp(v2(), ipcount=2))],
        "v2-address-count-zero": [refresh(with_vrrp(v2(), ipcount=0, addrlist=[]))],
        "v2-foreign-address-list": [refresh(with_vrrp(v2(), addrlist=["10.254.0.1"]))],
        "v2-oversized-1401-bytes": [raw_payload(v2(), vrrp2 + bytes(1401))],
        "v2-ip-options-router-alert": [refresh(v2(ihl=None, options=[IPOption_Router_Alert()]))],
        "v2-ethernet-trailer-past-total-length": [Ether(bytes(good2) + bytes(18))],
        "v2-two-fragments-reassembled": [Ether(src=OWN, dst=good2.dst) / f for f in fragment(good2[IP], fragsize=8)],
        "v2-lone-first-fragment": [Ether(src=OWN, dst=good2.dst) / fragment(good2[IP], fragsize=8)[0], marker()],
        "v2-bad-ip-header-checksum": [Ether(bytes(refresh(v2(chksum=0x1234), ip_sum=False))), marker()],
        "v2-priority-0-from-unknown-sender": [refresh(with_vrrp(v2(), priority=0))],
        # Linux drops a datagram from one of its own addresses (a martian) before any socket.
        "v2-spoofed-own-source": [refresh(v2(src=TARGET)), marker()],
        "v2-unicast-to-multicast-instance": [refresh(to_target(v2(dst=TARGET)))],
        # v3, vrid 52, 100 cs: keepalived's frame, then mutations (the checksum covers the
        # IPv4 pseudo-header, RFC 5798 §5.2.8).
        "v3-keepalived-frame-lower-priority": [refresh(v3())],
        "v3-bad-checksum": [corrupt_sum(v3())],
        "v3-source-changed-checksum-kept": [Ether(bytes(refresh(v3(src="10.77.0.10"), vrrp_sum=False)))],
        "v3-ttl-1": [refresh(v3(ttl=1))],
        "v3-v2-header-on-v3-instance": [refresh(with_vrrp(v3(), version=2))],
        "v3-address-count-lies-3-for-1": [refresh(with_vrrp(v3(), ipcount=3))],
        "v3-interval-200cs-learnt-not-dropped": [refresh(with_vrrp(v3(), adv=200))],
        # Unicast v3, vrid 61, peer 10.77.0.4 only.
        "unicast-keepalived-frame-from-peer": [refresh(uni())],
        "unicast-from-unknown-peer": [refresh(uni(src="10.77.0.5"))],
        "unicast-priority-0-from-unknown-peer": [refresh(uni(src="10.77.0.5", priority=0))],
        "unicast-priority-255-from-non-owner": [refresh(uni(src="10.77.0.5", priority=255))],
        "unicast-instance-gets-multicast": [refresh(multicast_uni())],
        "unicast-ttl-1-from-peer-accepted": [refresh(uni_ttl(1))],
        # IPv6 v3, vrid 63.
        "v6-valid-lower-priority": [six],
        "v6-hop-limit-1": [v6(hlim=1)],
        "v6-bad-checksum": [v6_corrupt()],
        "v6-version-2": [v6(version=2)],
        "v6-address-count-lies-2-for-1": [v6(ipcount=2)],
    }


def to_target(p):
    p[Ether].dst = target_mac
    return p


def multicast_uni():
    p = uni()
    p[Ether].dst = "01:00:5e:00:00:12"
    p[IP].dst = "224.0.0.18"
    return p


def uni_ttl(ttl):
    p = uni()
    p[IP].ttl = ttl
    return p


def v6_corrupt():
    p = Ether(bytes(v6()))
    p[VRRPv3].chksum ^= 0x5A5A
    return Ether(bytes(p))


def main():
    table = None
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        try:
            if table is None:
                table = cases()
            if name == "--list":
                print("list " + " ".join(table), flush=True)
                continue
            sendp(table[name], iface="eth0", verbose=False)
            print("sent " + name, flush=True)
        except Exception as e:  # the test reports it with the case name
            print("error %s: %r" % (name, e), flush=True)


main()
