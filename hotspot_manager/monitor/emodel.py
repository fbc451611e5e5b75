"""Call quality: the simplified ITU-T G.107 E-model (R-factor) and its MOS.

    R = 93.2 - Id - Ie,eff                       (G.107 with default Is, A = 0)
    Id = 0.024 Ta + 0.11 (Ta - 177.3) H(Ta - 177.3)   (Cole & Rosenbluth, 2001)
    Ie,eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl) (G.107 eq. 7-29)
    MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R)      (G.107 Annex B), 1 below 0, 4.5 above 100

``Ta`` is the one-way mouth-to-ear delay in ms, estimated from a ping as half the round
trip plus a jitter buffer of twice the jitter plus 20 ms of codec packetisation. The
codec is G.711 with packet loss concealment (``Ie`` = 0, ``Bpl`` = 25.1, G.113 Appendix I)
under random loss (``BurstR`` = 1): video-call apps use better codecs, but this reference
is the published one, and the verdict is about the network, not the codec.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CallQuality", "call_quality", "delay_impairment", "loss_impairment", "mos", "r_factor"]

R0 = 93.2
CODEC_DELAY_MS = 20.0
IE_G711 = 0.0
BPL_G711_PLC = 25.1

#: R at or above -> verdict (G.107 Annex B: 80 "satisfied", 70 "some users dissatisfied")
GOOD_R = 80.0
FAIR_R = 70.0


def delay_impairment(ta_ms: float) -> float:
    """Id for a one-way delay of ``ta_ms`` milliseconds."""
    ta = max(0.0, ta_ms)
    id_ = 0.024 * ta
    if ta > 177.3:
        id_ += 0.11 * (ta - 177.3)
    return id_


def loss_impairment(
    loss_percent: float, ie: float = IE_G711, bpl: float = BPL_G711_PLC, burst_r: float = 1.0
) -> float:
    """Ie,eff for a packet loss of ``loss_percent`` (0..100)."""
    ppl = min(100.0, max(0.0, loss_percent))
    return ie + (95.0 - ie) * ppl / (ppl / burst_r + bpl)


def one_way_delay_ms(rtt_ms: float, jitter_ms: float) -> float:
    """Ta estimated from a round trip: half of it, a 2x jitter buffer and the codec delay."""
    return rtt_ms / 2.0 + 2.0 * jitter_ms + CODEC_DELAY_MS


def r_factor(rtt_ms: float, jitter_ms: float, loss_percent: float) -> float:
    """The transmission rating R (may fall below 0 on a very bad path)."""
    ta = one_way_delay_ms(rtt_ms, jitter_ms)
    return R0 - delay_impairment(ta) - loss_impairment(loss_percent)


def mos(r: float) -> float:
    """Mean opinion score (1..4.5) for a rating R (G.107 Annex B)."""
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)


def verdict(r: float) -> str:
    """good (R >= 80), fair (70 <= R < 80) or poor for a video call."""
    if r >= GOOD_R:
        return "good"
    if r >= FAIR_R:
        return "fair"
    return "poor"


@dataclass(frozen=True)
class CallQuality:
    r_factor: float
    mos: float
    verdict: str

    def as_dict(self) -> dict:
        return {
            "r_factor": round(self.r_factor, 1),
            "mos": round(self.mos, 2),
            "verdict": self.verdict,
        }


def call_quality(rtt_ms: float, jitter_ms: float, loss_percent: float) -> CallQuality:
    r = r_factor(rtt_ms, jitter_ms, loss_percent)
    return CallQuality(r, mos(r), verdict(r))
