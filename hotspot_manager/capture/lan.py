"""The hotspot LAN, and which traffic is billable as internet.

DESIGN.md's rule: a frame is internet usage for an address when it carries
IP and the other end's IP is a unicast address outside the hotspot LAN.
Multicast, broadcast, link-local, loopback and unspecified addresses are never
internet, whatever the LAN is, so DHCP, mDNS and the like stay local.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import numpy as np

# Used by `import` and the agent when the operator has not said which range
# the hotspot uses: the private ranges a hotspot hands out.
DEFAULT_LAN = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")

_NOT_INTERNET_V4 = (
    "0.0.0.0/8",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and 255.255.255.255
)
_NOT_INTERNET_V6 = ("::/127", "fe80::/10", "ff00::/8")  # ::/127 covers :: and ::1


class LanError(ValueError):
    pass


def _parse(cidrs: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for text in cidrs:
        try:
            nets.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise LanError(
                f"not an address range: {text!r} (expected e.g. 192.168.1.0/24)"
            ) from None
    return nets


class Lan:
    """Vectorised membership tests for the LAN ranges."""

    def __init__(self, cidrs: Iterable[str]) -> None:
        nets = _parse(cidrs)
        self.cidrs = [str(n) for n in nets]
        self._v4 = [(int(n.network_address), int(n.netmask)) for n in nets if n.version == 4]
        self._v6 = [_v6_pair(n) for n in nets if n.version == 6]
        self._v4_special = [
            (int(n.network_address), int(n.netmask)) for n in _parse(_NOT_INTERNET_V4)
        ]
        self._v6_special = [_v6_pair(n) for n in _parse(_NOT_INTERNET_V6)]
        # Not-internet IPv4 as a table over the top 16 bits (ranges of /16 or wider)
        # plus the narrower ranges: two lookups per address instead of a pass per range.
        self._local16 = np.zeros(1 << 16, dtype=bool)
        self._v4_narrow: list[tuple[int, int]] = []
        for net, mask in self._v4 + self._v4_special:
            prefix = bin(mask).count("1")
            if prefix <= 16:
                top = net >> 16
                self._local16[top : top + (1 << (16 - prefix))] = True
            else:
                self._v4_narrow.append((net, mask))
        self._local6_16 = np.zeros(1 << 16, dtype=bool)  # the same for IPv6's top 16 bits
        self._v6_narrow: list[tuple[int, int, int, int]] = []
        for net_hi, net_lo, mask_hi, mask_lo in self._v6 + self._v6_special:
            prefix = bin(mask_hi).count("1") + bin(mask_lo).count("1")
            if prefix <= 16:
                top = net_hi >> 48
                self._local6_16[top : top + (1 << (16 - prefix))] = True
            else:
                self._v6_narrow.append((net_hi, net_lo, mask_hi, mask_lo))

    def __repr__(self) -> str:
        return f"Lan({self.cidrs!r})"

    @staticmethod
    def _in_v4(addr: np.ndarray, nets: list[tuple[int, int]]) -> np.ndarray:
        out = np.zeros(len(addr), dtype=bool)
        for net, mask in nets:
            out |= (addr & np.uint64(mask)) == np.uint64(net)
        return out

    @staticmethod
    def _in_v6(addr: np.ndarray, nets: list[tuple[int, int, int, int]]) -> np.ndarray:
        out = np.zeros(len(addr), dtype=bool)
        for net_hi, net_lo, mask_hi, mask_lo in nets:
            out |= ((addr[:, 0] & np.uint64(mask_hi)) == np.uint64(net_hi)) & (
                (addr[:, 1] & np.uint64(mask_lo)) == np.uint64(net_lo)
            )
        return out

    def contains_v4(self, addr: np.ndarray) -> np.ndarray:
        return self._in_v4(addr, self._v4)

    def contains_v6(self, addr: np.ndarray) -> np.ndarray:
        return self._in_v6(addr, self._v6)

    def internet_v4(self, addr: np.ndarray) -> np.ndarray:
        local = self._local16[addr >> np.uint64(16)]
        for net, mask in self._v4_narrow:
            local |= (addr & np.uint64(mask)) == np.uint64(net)
        return ~local

    def internet_v6(self, addr: np.ndarray) -> np.ndarray:
        hi = addr[:, 0]
        local = self._local6_16[hi >> np.uint64(48)]
        for net_hi, net_lo, mask_hi, mask_lo in self._v6_narrow:
            m = (hi & np.uint64(mask_hi)) == np.uint64(net_hi)
            if mask_lo:
                m &= (addr[:, 1] & np.uint64(mask_lo)) == np.uint64(net_lo)
            local |= m
        return ~local

    def local_source_v6(self, addr: np.ndarray) -> np.ndarray:
        """Addresses that name a device on this LAN: in a LAN range, or link-local."""
        link_local = [_v6_pair(ipaddress.ip_network("fe80::/10"))]
        return self._in_v6(addr, self._v6) | self._in_v6(addr, link_local)


def _v6_pair(n: ipaddress.IPv6Network) -> tuple[int, int, int, int]:
    a, m = int(n.network_address), int(n.netmask)
    lo = (1 << 64) - 1
    return (a >> 64, a & lo, m >> 64, m & lo)
