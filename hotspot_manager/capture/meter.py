"""The Meter: per-address counters in per-second buckets.

Upload of an address is every frame it sent (it is the outermost source),
download every frame addressed to it (the outermost destination), both at
wire length. Group addresses (broadcast, multicast) are addresses like any
other here, as in ``tshark -z endpoints,eth``; whether they are billable is
for the layers above to say.

Aggregation is vectorised per batch: unique addresses of the batch are
interned to small ids (a dict lookup per distinct address, not per frame),
then frames and bytes are summed with ``np.bincount`` over
(second, address, direction, internet) slots. Byte sums pass through float64
inside bincount; a batch is far below 2**53 bytes, so they are exact.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import numpy as np

from hotspot_manager.capture.lan import Lan
from hotspot_manager.capture.parser import Frames

# Counter columns, in this order everywhere (Tick.counters, totals).
COUNTERS = (
    "tx_frames",
    "tx_bytes",
    "rx_frames",
    "rx_bytes",
    "inet_tx_frames",
    "inet_tx_bytes",
    "inet_rx_frames",
    "inet_rx_bytes",
)
_V6_BASE = np.uint64(1 << 40)  # ids of IPv6 keys within a batch sit above any IPv4 key
_HASH_BITS = 16
_HASH_MULT = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of key * this
_NO_MAC = np.uint64(1 << 63)  # an empty slot's key: no 48-bit MAC equals it


def mac_text(value: int) -> str:
    h = f"{value:012x}"
    return ":".join(h[i : i + 2] for i in range(0, 12, 2))


@dataclass(slots=True)
class Sighting:
    first_seen: int
    last_seen: int
    ipv4: str | None = None
    ipv6: str | None = None
    active_seconds: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Tick:
    """What the meter counted since the previous drain."""

    addresses: list[str]  # address text by id (the whole table; ids index it)
    seconds: np.ndarray  # int64 (R,)
    address_ids: np.ndarray  # int64 (R,)
    counters: np.ndarray  # int64 (R, 8), columns as COUNTERS
    health_seconds: np.ndarray  # int64 (H,)
    health: np.ndarray  # int64 (H, 3): frames, bytes, malformed
    sightings: dict[str, Sighting]

    @property
    def empty(self) -> bool:
        return len(self.seconds) == 0 and len(self.health_seconds) == 0


class Meter:
    """Counts frames per address ('mac' or 'ip') in per-second buckets."""

    def __init__(self, by: str = "mac", lan: Lan | None = None, keep_seconds: bool = True):
        if by not in ("mac", "ip"):
            raise ValueError(f"by must be 'mac' or 'ip', not {by!r}")
        self.by = by
        self.lan = lan
        self.keep_seconds = keep_seconds
        self.frames = 0
        self.bytes = 0
        self.malformed = 0
        self.first_ts: float | None = None
        self.last_ts: float | None = None
        self.mac_source_only = False
        self._ids: dict[int, int] = {}  # address key -> id
        self._text: list[str] = []  # id -> address text
        self._totals = np.zeros((0, 8), dtype=np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._health: list[tuple[np.ndarray, np.ndarray]] = []
        # per MAC id, this interval: the last LAN IPv4 it sent from (-1: none), and IPv6
        self._last4 = np.zeros(0, dtype=np.int64)
        self._ip6: dict[int, int] = {}
        # MAC key -> id as an open hash table, so a batch needs no sort to find its ids
        self._hkeys = np.full(1 << _HASH_BITS, _NO_MAC, dtype=np.uint64)
        self._hids = np.full(1 << _HASH_BITS, -1, dtype=np.int64)

    # -- feeding --------------------------------------------------------------
    def add(self, f: Frames) -> None:
        n = len(f)
        if n == 0:
            return
        self.mac_source_only |= f.mac_source_only
        self.frames += n
        self.bytes += int(f.wire_len.sum())
        bad = int(f.malformed.sum())
        self.malformed += bad
        # the first and last second of the batch just added
        self.batch_seconds = (int(f.ts_sec.min()), int(f.ts_sec.max()))
        self._note_time(f)
        # By MAC with every frame's sender known, each frame is one upload count, so
        # the per-second health totals come from the counters (_accumulate); else here.
        self._health_later = self.by == "mac" and bool(f.has_src_mac.all())
        if self.keep_seconds and not self._health_later:
            self._add_health(f)
        if self.by == "mac":
            keys_tx, ok_tx = f.src_mac, f.has_src_mac
            keys_rx, ok_rx = f.dst_mac, f.has_dst_mac
        else:
            keys_tx, ok_tx, keys_rx, ok_rx = self._ip_keys(f)
        inet_tx, inet_rx = self._internet(f)
        self._accumulate(f, keys_tx, ok_tx, inet_tx, keys_rx, ok_rx, inet_rx)

    def _note_time(self, f: Frames) -> None:
        sec, nsec = f.ts_sec, f.ts_nsec
        if f.ts_known is not None:
            if not f.ts_known.any():
                return
            sec, nsec = sec[f.ts_known], nsec[f.ts_known]
            lo_sec, hi_sec = int(sec.min()), int(sec.max())
        else:
            lo_sec, hi_sec = self.batch_seconds
        # (a batch whose seconds cannot move the first or last time is not searched)
        if self.first_ts is None or lo_sec <= self.first_ts:
            ts_lo = lo_sec + int(nsec[sec == lo_sec].min()) / 1e9
            self.first_ts = ts_lo if self.first_ts is None else min(self.first_ts, ts_lo)
        if self.last_ts is None or hi_sec + 1 > self.last_ts:
            ts_hi = hi_sec + int(nsec[sec == hi_sec].max()) / 1e9
            self.last_ts = ts_hi if self.last_ts is None else max(self.last_ts, ts_hi)

    def _add_health(self, f: Frames) -> None:
        s0, s1 = self.batch_seconds
        rel = f.ts_sec - s0
        if s1 - s0 > 10 * len(rel) + 1000:  # sparse seconds: group by unique
            useconds, inv = np.unique(f.ts_sec, return_inverse=True)
        else:
            inv = rel
            useconds = None
        frames = np.bincount(inv)
        nbytes = np.bincount(inv, weights=f.wire_len)
        if f.malformed.any():
            bad = np.bincount(inv, weights=f.malformed, minlength=len(frames))
        else:
            bad = np.zeros(len(frames))
        keep = frames > 0
        secs = useconds if useconds is not None else np.arange(len(frames), dtype=np.int64) + s0
        rows = np.stack([frames, nbytes.astype(np.int64), bad.astype(np.int64)], axis=1)
        self._health.append((secs[keep].astype(np.int64), rows[keep]))

    def _ip_keys(self, f: Frames):
        """Keys for IP mode: IPv4 addresses as themselves, IPv6 as batch ids above 2**40."""
        v4 = f.ip_ver == 4
        v6 = f.ip_ver == 6
        src = np.where(v4, f.v4_src, 0).astype(np.uint64)
        dst = np.where(v4, f.v4_dst, 0).astype(np.uint64)
        self._batch_v6: np.ndarray | None = None
        if v6.any():
            both = np.concatenate([f.v6_src[v6], f.v6_dst[v6]])
            uniq, inv = np.unique(both, axis=0, return_inverse=True)
            inv = inv.reshape(-1).astype(np.uint64) + _V6_BASE
            k = int(v6.sum())
            src[v6] = inv[:k]
            dst[v6] = inv[k:]
            self._batch_v6 = uniq
        ok = v4 | v6
        return src, ok, dst, ok

    def _internet(self, f: Frames) -> tuple[np.ndarray, np.ndarray]:
        n = len(f)
        if self.lan is None:
            z = np.zeros(n, dtype=bool)
            return z, z
        v4 = f.ip_ver == 4
        # For the sender the other end is the destination, and the reverse.
        inet_tx = v4 & self.lan.internet_v4(f.v4_dst)
        inet_rx = v4 & self.lan.internet_v4(f.v4_src)
        i6 = np.nonzero(f.ip_ver == 6)[0]
        if len(i6):
            inet_tx[i6] = self.lan.internet_v6(f.v6_dst[i6])
            inet_rx[i6] = self.lan.internet_v6(f.v6_src[i6])
        return inet_tx, inet_rx

    def _intern(self, keys: np.ndarray) -> np.ndarray:
        """Global ids for a batch's distinct keys."""
        ids = np.empty(len(keys), dtype=np.int64)
        table = self._ids
        v6 = getattr(self, "_batch_v6", None) if self.by == "ip" else None
        for i, k in enumerate(keys.tolist()):
            if self.by == "ip" and k >= int(_V6_BASE):
                hi, lo = (int(x) for x in v6[k - int(_V6_BASE)])  # type: ignore[index]
                key = (1 << 128) | (hi << 64) | lo
            else:
                key = k
            got = table.get(key)
            if got is None:
                got = len(self._text)
                table[key] = got
                self._text.append(self._key_text(key))
                if self.by == "mac":
                    self._hash_insert(key, got)
            ids[i] = got
        return ids

    def _hash_insert(self, key: int, ident: int) -> None:
        h = (key * _HASH_MULT) % (1 << 64) >> (64 - _HASH_BITS)
        if self._hkeys[h] == _NO_MAC:  # a free slot; else this MAC is found through the dict
            self._hkeys[h] = key
            self._hids[h] = ident

    def _mac_ids(self, keys: np.ndarray) -> np.ndarray:
        """Global ids of MAC keys: a hashed table lookup per frame, a dict only for new MACs."""
        h = (keys * np.uint64(_HASH_MULT)) >> np.uint64(64 - _HASH_BITS)
        ids = self._hids[h]
        miss = self._hkeys[h] != keys
        if miss.any():
            where = np.nonzero(miss)[0]
            ukeys, inv = np.unique(keys[where], return_inverse=True)
            ids[where] = self._intern(ukeys)[inv.reshape(-1)]
        return ids

    def _key_text(self, key: int) -> str:
        if self.by == "mac":
            return mac_text(key)
        if key >= 1 << 128:
            return str(ipaddress.IPv6Address(key & ((1 << 128) - 1)))
        return str(ipaddress.IPv4Address(key))

    def _ids_of(self, keys_tx, ok_tx, keys_rx, ok_rx):
        """Global ids of the senders and of the receivers (where ``ok``)."""
        if self.by == "mac":
            return self._mac_ids(keys_tx[ok_tx]), self._mac_ids(keys_rx[ok_rx])
        tx = keys_tx[ok_tx]
        keys = np.concatenate([tx, keys_rx[ok_rx]])
        ukeys, kinv = np.unique(keys, return_inverse=True, sorted=False)
        gid = self._intern(ukeys)[kinv.reshape(-1)]
        return gid[: len(tx)], gid[len(tx) :]

    def _accumulate(self, f, keys_tx, ok_tx, inet_tx, keys_rx, ok_rx, inet_rx) -> None:
        all_tx, all_rx = bool(ok_tx.all()), bool(ok_rx.all())
        if not all_tx:
            ok_tx = np.nonzero(ok_tx)[0]
        if not all_rx:
            ok_rx = np.nonzero(ok_rx)[0]
        sel_tx = slice(None) if all_tx else ok_tx
        sel_rx = slice(None) if all_rx else ok_rx
        gid_tx, gid_rx = self._ids_of(keys_tx, sel_tx, keys_rx, sel_rx)
        if len(gid_tx) + len(gid_rx) == 0:
            return
        sec_tx, sec_rx = f.ts_sec[sel_tx], f.ts_sec[sel_rx]
        wire_tx, wire_rx = f.wire_len[sel_tx], f.wire_len[sel_rx]
        # slot: 4 per (second, address): [tx local, tx internet, rx local, rx internet]
        sub_tx = inet_tx[sel_tx].view(np.int8)
        sub_rx = inet_rx[sel_rx].view(np.int8) + np.int8(2)
        n_ids = len(self._text)
        if len(self._totals) < n_ids:
            grown = np.zeros((n_ids, 8), dtype=np.int64)
            grown[: len(self._totals)] = self._totals
            self._totals = grown
        if all_tx and all_rx:
            s0, s1 = self.batch_seconds
        else:
            both_sec = (sec_tx, sec_rx)
            s0 = min(int(x.min()) for x in both_sec if len(x))
            s1 = max(int(x.max()) for x in both_sec if len(x))
        span = s1 - s0 + 1
        size = span * n_ids * 4
        if size <= 4 * (len(gid_tx) + len(gid_rx)) + (1 << 18):
            # Dense: one counter per (second, address, slot) of the batch's span.
            c = np.zeros(size, dtype=np.int64)
            b = np.zeros(size, dtype=np.float64)
            base_tx = (sec_tx - s0) * n_ids
            base_rx = base_tx if all_tx and all_rx else (sec_rx - s0) * n_ids
            for base, gid, sub, wire in (
                (base_tx, gid_tx, sub_tx, wire_tx),
                (base_rx, gid_rx, sub_rx, wire_rx),
            ):
                if len(gid):
                    slot = (base + gid) * 4 + sub
                    c += np.bincount(slot, minlength=size)
                    b += np.bincount(slot, weights=wire, minlength=size)
            c = c.reshape(-1, 4)
            b = b.reshape(-1, 4).astype(np.int64)
            if self.keep_seconds and self._health_later:
                per_c = c.reshape(span, n_ids, 4)[:, :, :2].sum(axis=(1, 2))  # uploads
                per_b = b.reshape(span, n_ids, 4)[:, :, :2].sum(axis=(1, 2))
                keep = np.nonzero(per_c)[0]
                rows = np.stack([per_c[keep], per_b[keep], np.zeros(len(keep), np.int64)], axis=1)
                self._health.append((keep + s0, rows))
            used = np.nonzero(c.any(axis=1))[0]
            self._totals[:n_ids] += _to_counters(
                c.reshape(span, n_ids, 4).sum(axis=0), b.reshape(span, n_ids, 4).sum(axis=0)
            )
            c, b = c[used], b[used]
            rows_sec = used // n_ids + s0
            rows_id = used % n_ids
        else:
            # Sparse (a file whose batch spans hours): group the (second, address) pairs.
            combo = np.concatenate([(sec_tx - s0) * n_ids + gid_tx, (sec_rx - s0) * n_ids + gid_rx])
            sub = np.concatenate([sub_tx, sub_rx]).astype(np.int64)
            wire = np.concatenate([wire_tx, wire_rx])
            ucombo, cinv = np.unique(combo, return_inverse=True, sorted=False)
            slot = cinv.reshape(-1) * 4 + sub
            c = np.bincount(slot, minlength=len(ucombo) * 4).reshape(-1, 4)
            b = np.bincount(slot, weights=wire, minlength=len(ucombo) * 4).reshape(-1, 4)
            b = b.astype(np.int64)
            rows_sec = ucombo // n_ids + s0
            rows_id = ucombo % n_ids
            counters = _to_counters(c, b)
            np.add.at(self._totals, rows_id, counters)
            if self.keep_seconds and self._health_later:
                self._add_health(f)
            if self.keep_seconds:
                self._pending.append((rows_sec.astype(np.int64), rows_id, counters))
            if self.by == "mac" and self.lan is not None:
                self._sight_ips(f, gid_tx, sel_tx)
            return
        if self.keep_seconds:
            self._pending.append((rows_sec.astype(np.int64), rows_id, _to_counters(c, b)))
        if self.by == "mac" and self.lan is not None:
            self._sight_ips(f, gid_tx, sel_tx)

    def _sight_ips(self, f: Frames, gid_tx: np.ndarray, sel_tx) -> None:
        """Remember, per MAC id, the last LAN address it used as a source (ints, no text yet)."""
        lan = self.lan
        assert lan is not None
        ver = f.ip_ver[sel_tx]
        addr4 = f.v4_src[sel_tx]
        lan4 = (ver == 4) & lan.contains_v4(addr4)
        if lan4.any():
            n_ids = len(self._text)
            if len(self._last4) < n_ids:
                grown = np.full(2 * n_ids, -1, dtype=np.int64)
                grown[: len(self._last4)] = self._last4
                self._last4 = grown
            # Nothing to do when every such frame used the address its MAC already has
            # for this interval (the usual batch); else find each MAC's last frame.
            if (lan4 & (self._last4[gid_tx] != addr4.view(np.int64))).any():
                idx = np.nonzero(lan4)[0]
                last = np.full(n_ids, -1, dtype=np.int64)
                np.maximum.at(last, gid_tx[idx], np.arange(len(idx)))
                ids = np.nonzero(last >= 0)[0]
                self._last4[ids] = addr4[idx[last[ids]]].view(np.int64)
        idx = np.nonzero(ver == 6)[0]
        if len(idx):
            addr = f.v6_src[sel_tx][idx]
            keep = lan.local_source_v6(addr)
            idx, addr = idx[keep], addr[keep]
            if len(idx):
                last = np.full(len(self._text), -1, dtype=np.int64)
                np.maximum.at(last, gid_tx[idx], np.arange(len(idx)))
                ids = np.nonzero(last >= 0)[0]
                v6 = [(h << 64) | lo for h, lo in addr[last[ids]].tolist()]
                self._ip6.update(zip(ids.tolist(), v6, strict=True))

    def _sightings_of(self, sec: np.ndarray, aid: np.ndarray, cnt: np.ndarray) -> dict:
        """Per MAC: first/last second seen, seconds it sent in, last LAN addresses."""
        out: dict[str, Sighting] = {}
        if len(sec):
            order = np.lexsort((sec, aid))
            rid, rsec, sent = aid[order], sec[order], cnt[order, 0] > 0
            starts = np.concatenate([[0], np.nonzero(np.diff(rid))[0] + 1])
            ends = np.append(starts[1:], len(rid))
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                secs = rsec[a:b]
                s = Sighting(int(secs[0]), int(secs[-1]))
                s.active_seconds.update(secs[sent[a:b]].tolist())
                out[self._text[int(rid[a])]] = s
        for ident in np.nonzero(self._last4 >= 0)[0].tolist():
            s = out.get(self._text[ident])
            if s is not None:
                s.ipv4 = str(ipaddress.IPv4Address(int(self._last4[ident])))
        for ident, ip in self._ip6.items():
            s = out.get(self._text[ident])
            if s is not None:
                s.ipv6 = str(ipaddress.IPv6Address(ip))
        self._last4[:] = -1
        self._ip6 = {}
        return out

    # -- reading --------------------------------------------------------------
    def totals(self) -> list[tuple[str, list[int]]]:
        """Every address with its 8 counters (COUNTERS order), sorted by address text."""
        rows = [(self._text[i], self._totals[i].tolist()) for i in range(len(self._text))]
        return sorted(rows, key=lambda r: _sort_key(self.by, r[0]))

    def drain(self) -> Tick:
        """The per-second buckets counted since the last drain, merged; then forget them."""
        if self._pending:
            sec = np.concatenate([p[0] for p in self._pending])
            aid = np.concatenate([p[1] for p in self._pending])
            cnt = np.concatenate([p[2] for p in self._pending])
            if len(self._pending) > 1:
                key = np.stack([sec, aid], axis=1)
                ukey, inv = np.unique(key, axis=0, return_inverse=True)
                inv = inv.reshape(-1)
                merged = np.zeros((len(ukey), 8), dtype=np.int64)
                np.add.at(merged, inv, cnt)
                sec, aid, cnt = ukey[:, 0], ukey[:, 1], merged
        else:
            sec = aid = np.zeros(0, dtype=np.int64)
            cnt = np.zeros((0, 8), dtype=np.int64)
        if self._health:
            hs = np.concatenate([h[0] for h in self._health])
            hv = np.concatenate([h[1] for h in self._health])
            uh, inv = np.unique(hs, return_inverse=True)
            merged_h = np.zeros((len(uh), 3), dtype=np.int64)
            np.add.at(merged_h, inv.reshape(-1), hv)
            hs, hv = uh, merged_h
        else:
            hs = np.zeros(0, dtype=np.int64)
            hv = np.zeros((0, 3), dtype=np.int64)
        sightings = self._sightings_of(sec, aid, cnt) if self.by == "mac" else {}
        tick = Tick(list(self._text), sec, aid, cnt, hs, hv, sightings)
        self._pending, self._health = [], []
        return tick


def _to_counters(cnt: np.ndarray, byt: np.ndarray) -> np.ndarray:
    """(R,4) slots [tx local, tx inet, rx local, rx inet] -> (R,8) COUNTERS."""
    out = np.empty((len(cnt), 8), dtype=np.int64)
    out[:, 0] = cnt[:, 0] + cnt[:, 1]
    out[:, 1] = byt[:, 0] + byt[:, 1]
    out[:, 2] = cnt[:, 2] + cnt[:, 3]
    out[:, 3] = byt[:, 2] + byt[:, 3]
    out[:, 4] = cnt[:, 1]
    out[:, 5] = byt[:, 1]
    out[:, 6] = cnt[:, 3]
    out[:, 7] = byt[:, 3]
    return out


def _sort_key(by: str, text: str):
    if by == "mac":
        return (0, text)
    addr = ipaddress.ip_address(text)
    return (addr.version, int(addr))
