"""AXI4 / AXI4-Lite protocol rules, checked on sampled bus cycles (no simulator needed).

``AxiProtocolChecker.cycle(sample)`` takes what a monitor sampled at one rising
clock edge -- per channel (``aw w b ar r``) the VALID and READY bits and, while
VALID, the payload fields (``None`` for a value with X/Z) -- and returns the
violations of that cycle as ``Violation`` items.  The rules:

- no X/Z on a VALID, or on the READY and payload of a valid channel;
- VALID, once high, stays high until the handshake, and the payload stays
  stable meanwhile (both directions: the master's AW/W/AR and the slave's B/R);
- AR/AW (full AXI4): burst type not reserved (3); WRAP length 2/4/8/16 beats,
  FIXED at most 16; size no wider than the data bus; an INCR burst does not
  cross a 4 KiB boundary;
- W: WLAST on the last beat of its burst and on no other (W may run ahead of AW);
- B/R: the ID belongs to an outstanding request (a write whose data is all in for
  B), RLAST on the last beat of the read burst only, and the response is legal:
  EXOKAY (1) only for an exclusive (AxLOCK) request.

``AxiBusSampler`` (in tb/agents/axi_mem.py) produces the samples from the
``m_axi_*``/``s_axil_*`` signals; tests feed hand-made samples to plant
violations.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

CHANNELS = ("aw", "w", "b", "ar", "r")
# Payload fields per channel (without the prefix); AXI4-Lite has the subset that exists.
PAYLOAD = {"aw": ("id", "addr", "len", "size", "burst", "lock", "cache", "prot"),
           "w": ("data", "strb", "last"),
           "b": ("id", "resp"),
           "ar": ("id", "addr", "len", "size", "burst", "lock", "cache", "prot"),
           "r": ("id", "data", "resp", "last")}
LITE_PAYLOAD = {"aw": ("addr", "prot"), "w": ("data", "strb"), "b": ("resp",),
                "ar": ("addr", "prot"), "r": ("data", "resp")}
FIXED, INCR, WRAP = 0, 1, 2
EXOKAY = 1


@dataclass
class Violation:
    """One broken rule: ``rule`` (a short name), a one-line ``message``, the cycle it was seen."""
    rule: str
    message: str
    cycle: int
    bus: str = ""
    data: dict = field(default_factory=dict)


@dataclass
class ChannelSample:
    valid: int | None            # None: X/Z
    ready: int | None
    payload: dict | None = None  # field -> int or None (X/Z); sampled only while valid


class AxiProtocolChecker:
    def __init__(self, bus: str = "m_axi", lite: bool = False, data_bytes: int = 4):
        self.bus, self.lite, self.data_bytes = bus, lite, data_bytes
        self.cycle_count = 0
        self.pending: dict[str, ChannelSample | None] = dict.fromkeys(CHANNELS)
        self.reads: dict[int, deque] = {}        # id -> beats left of each outstanding read burst
        self.aw_bursts: deque = deque()          # (id, beats, lock) awaiting their W beats
        self.w_ahead: list[int] = []             # WLAST flags of W beats that came before their AW
        self.w_beats_in_burst = 0
        self.writes_done: dict[int, deque] = {}  # id -> lock flags of writes awaiting B
        self.read_lock: dict[int, deque] = {}
        self.handshakes = dict.fromkeys(CHANNELS, 0)
        self.violations: list[Violation] = []

    # ------------------------------------------------------------------ per cycle
    def cycle(self, sample: dict[str, ChannelSample]) -> list[Violation]:
        found: list[Violation] = []
        for ch in CHANNELS:
            s = sample.get(ch)
            if s is not None:
                self._channel(ch, s, found)
        self.cycle_count += 1
        self.violations += found
        return found

    def _bad(self, found, rule: str, message: str, **data) -> None:
        found.append(Violation(rule, f"{self.bus}: {message} (cycle {self.cycle_count})",
                               self.cycle_count, self.bus, data))

    def _channel(self, ch: str, s: ChannelSample, found) -> None:
        if s.valid is None:
            self._bad(found, "x_valid", f"X/Z on {ch}valid", channel=ch)
            self.pending[ch] = None
            return
        if s.ready is None:
            self._bad(found, "x_ready", f"X/Z on {ch}ready", channel=ch)
            return
        before = self.pending[ch]
        if before is not None:                      # VALID was high without READY last cycle
            if not s.valid:
                self._bad(found, "valid_dropped", f"{ch}valid fell before the handshake", channel=ch,
                          payload=before.payload)
            elif s.payload != before.payload:
                changed = sorted(k for k in (s.payload or {}) if (s.payload or {}).get(k) != (before.payload or {}).get(k))
                self._bad(found, "payload_changed", f"{ch} payload changed before the handshake: "
                          + ", ".join(f"{ch}{k} {before.payload.get(k)!r} -> {s.payload.get(k)!r}" for k in changed),
                          channel=ch, fields=changed)
        if not s.valid:
            self.pending[ch] = None
            return
        payload = s.payload or {}
        xz = [k for k, v in payload.items() if v is None]
        if xz:
            self._bad(found, "x_payload", f"X/Z on {', '.join(ch + k for k in xz)} while {ch}valid",
                      channel=ch, fields=xz)
        if not s.ready:
            self.pending[ch] = s
            return
        self.pending[ch] = None
        self.handshakes[ch] += 1
        if not xz:
            getattr(self, "_hs_" + ch)(payload, found)

    # ------------------------------------------------------------------ handshakes
    def _check_burst(self, ch: str, p: dict, found) -> int:
        if self.lite:
            return 1
        beats, size, burst, addr = p["len"] + 1, p["size"], p["burst"], p["addr"]
        if burst == 3:
            self._bad(found, "burst_type", f"{ch}burst = 3 (reserved) at {addr:#x}", channel=ch, addr=addr)
        if 1 << size > self.data_bytes:
            self._bad(found, "burst_size", f"{ch}size = {size} ({1 << size} bytes) wider than the "
                      f"{self.data_bytes}-byte data bus", channel=ch, addr=addr)
        if burst == WRAP and beats not in (2, 4, 8, 16):
            self._bad(found, "burst_len", f"WRAP burst of {beats} beats (2, 4, 8 or 16 allowed)", channel=ch, addr=addr)
        if burst == FIXED and beats > 16:
            self._bad(found, "burst_len", f"FIXED burst of {beats} beats (at most 16)", channel=ch, addr=addr)
        if burst == INCR:
            start = addr & ~((1 << size) - 1)
            if (start & 0xFFF) + (beats << size) > 0x1000:
                self._bad(found, "4k_boundary", f"{ch} INCR burst at {addr:#x}, {beats} x {1 << size} bytes, "
                          f"crosses a 4 KiB boundary", channel=ch, addr=addr)
        return beats

    def _hs_ar(self, p: dict, found) -> None:
        beats = self._check_burst("ar", p, found)
        rid = p.get("id", 0)
        self.reads.setdefault(rid, deque()).append(beats)
        self.read_lock.setdefault(rid, deque()).append(p.get("lock", 0))

    def _hs_aw(self, p: dict, found) -> None:
        beats = self._check_burst("aw", p, found)
        self.aw_bursts.append([p.get("id", 0), beats, p.get("lock", 0), 0])
        ahead, self.w_ahead = self.w_ahead, []
        for last in ahead:
            self._w_beat(last, found)

    def _hs_w(self, p: dict, found) -> None:
        if not self.aw_bursts or all(b[3] >= b[1] for b in self.aw_bursts):
            self.w_ahead.append(p.get("last", 1))    # W before its AW: checked when the AW comes
            return
        self._w_beat(p.get("last", 1), found)

    def _w_beat(self, last: int, found) -> None:
        burst = next((b for b in self.aw_bursts if b[3] < b[1]), None)
        if burst is None:
            self.w_ahead.append(last)
            return
        burst[3] += 1
        final = burst[3] == burst[1]
        if not self.lite and bool(last) != final:
            self._bad(found, "wlast", f"WLAST = {last} on beat {burst[3]} of a {burst[1]}-beat write burst",
                      beat=burst[3], beats=burst[1])

    def _hs_b(self, p: dict, found) -> None:
        bid = p.get("id", 0)
        complete = [b for b in self.aw_bursts if b[3] >= b[1]]
        match = next((b for b in complete if b[0] == bid), None)
        if match is None:
            self._bad(found, "bid", f"B response with BID {bid} matches no write with all its data in",
                      id=bid)
            return
        self.aw_bursts.remove(match)
        if p["resp"] == EXOKAY and not match[2]:
            self._bad(found, "bresp", "BRESP = EXOKAY for a write that was not exclusive", id=bid)

    def _hs_r(self, p: dict, found) -> None:
        rid = p.get("id", 0)
        queue = self.reads.get(rid)
        if not queue:
            self._bad(found, "rid", f"R beat with RID {rid} matches no outstanding read", id=rid)
            return
        queue[0] -= 1
        final = queue[0] == 0
        if not self.lite and bool(p.get("last", 1)) != final:
            self._bad(found, "rlast", f"RLAST = {p.get('last')} with {queue[0]} beats of the burst left", id=rid)
        lock = self.read_lock[rid][0]
        if p["resp"] == EXOKAY and not lock:
            self._bad(found, "rresp", "RRESP = EXOKAY for a read that was not exclusive", id=rid)
        if final:
            queue.popleft()
            self.read_lock[rid].popleft()

    def outstanding(self) -> int:
        """Requests still waiting for their response (for an end-of-test check)."""
        return sum(len(q) for q in self.reads.values()) + len(self.aw_bursts)
