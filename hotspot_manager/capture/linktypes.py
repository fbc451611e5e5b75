"""Link-layer header types (tcpdump.org/linktypes.html) this project can account."""

from __future__ import annotations

ETHERNET = 1
NULL = 0  # BSD loopback: 4-byte address family in host byte order
LOOP = 108  # OpenBSD loopback: the same, in network byte order
RAW = 101
RAW_DLT12 = 12  # DLT_RAW on most BSDs and Linux's libpcap headers
RAW_DLT14 = 14  # DLT_RAW on OpenBSD
IPV4 = 228
IPV6 = 229
LINUX_SLL = 113
LINUX_SLL2 = 276

_NAMES = {
    ETHERNET: "Ethernet",
    NULL: "BSD loopback",
    LOOP: "OpenBSD loopback",
    RAW: "Raw IP",
    RAW_DLT12: "Raw IP",
    RAW_DLT14: "Raw IP",
    IPV4: "Raw IPv4",
    IPV6: "Raw IPv6",
    LINUX_SLL: "Linux cooked (SLL)",
    LINUX_SLL2: "Linux cooked (SLL2)",
}

# A few well-known ones we do not account, so the refusal can name them.
_OTHER = {
    105: "IEEE 802.11",
    127: "IEEE 802.11 radiotap",
    9: "PPP",
    50: "PPP in HDLC framing",
    147: "user-defined (DLT_USER0)",
    192: "PPI",
    195: "IEEE 802.15.4",
    249: "Netlink",
}


def supported(link_type: int) -> bool:
    return link_type in _NAMES


def link_type_name(link_type: int) -> str:
    return _NAMES.get(link_type) or _OTHER.get(link_type) or f"link type {link_type}"
