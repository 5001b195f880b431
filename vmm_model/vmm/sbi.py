"""The SBI the VMM offers its guests (DESIGN §3, digest §7): answering ``ecall`` from VS.

Convention: a7 = EID, a6 = FID, arguments in a0..a5; the answer is a0 = error,
a1 = value, every other register preserved, and the guest resumes after the
ecall.  Legacy extensions (EID 0x00-0x0F) answer in a0 only.  Calls that do not
return (shutdown, hart_stop, a granted hart_suspend of the non-retentive kind)
leave the registers alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vcpu import RunState, VCpu, restart_values

SBI_SUCCESS = 0
SBI_ERR_FAILED = -1
SBI_ERR_NOT_SUPPORTED = -2
SBI_ERR_INVALID_PARAM = -3
SBI_ERR_DENIED = -4
SBI_ERR_INVALID_ADDRESS = -5
SBI_ERR_ALREADY_AVAILABLE = -6

EXT_BASE = 0x10
EXT_TIME = 0x54494D45
EXT_SRST = 0x53525354
EXT_DBCN = 0x4442434E
EXT_HSM = 0x48534D
LEGACY_SET_TIMER = 0x00
LEGACY_PUTCHAR = 0x01
LEGACY_GETCHAR = 0x02
LEGACY_SHUTDOWN = 0x08
LEGACY_LAST = 0x0F

SPEC_VERSION = 2 << 24            # SBI 2.0
IMPL_ID = 0x4856_4353             # "HVCS": not in the SBI registry, this project's own VMM
IMPL_VERSION = 0x0001_0000        # 1.0

SUPPORTED_EXTENSIONS = frozenset({EXT_BASE, EXT_TIME, EXT_SRST, EXT_DBCN, EXT_HSM,
                                  LEGACY_SET_TIMER, LEGACY_PUTCHAR, LEGACY_GETCHAR,
                                  LEGACY_SHUTDOWN})

SRST_SHUTDOWN, SRST_COLD_REBOOT, SRST_WARM_REBOOT = 0, 1, 2
SRST_REASON_NONE, SRST_REASON_FAILURE = 0, 1

HSM_STARTED, HSM_STOPPED, HSM_SUSPENDED = 0, 1, 4
HSM_SUSPEND_RETENTIVE = 0x0000_0000
HSM_SUSPEND_NON_RETENTIVE = 0x8000_0000

HVIP_VSTIP = 1 << 6
ARG_REGS = ("x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17")


@dataclass(frozen=True)
class SbiReturn:
    """What goes back to the guest; ``legacy`` answers in a0 only."""
    error: int
    value: int = 0
    legacy: bool = False


NO_RETURN = None   # the call does not return to the caller (it ended or stopped it)


class SbiHandler:
    async def handle(self, vcpu: VCpu, sepc: int) -> SbiReturn | None:
        """Serve the ecall the vCPU made at ``sepc`` and resume it past the ecall."""
        regs = await vcpu.read(ARG_REGS)
        eid, fid = regs["x17"], regs["x16"]
        args = [regs[name] for name in ARG_REGS[:6]]
        answer = await self.dispatch(vcpu, eid, fid, args)
        if answer is NO_RETURN:
            return None
        writes = {"x10": answer.error & 0xFFFF_FFFF, "pc": (sepc + 4) & 0xFFFF_FFFF}
        if not answer.legacy:
            writes["x11"] = answer.value & 0xFFFF_FFFF
        await vcpu.write(writes)
        return answer

    async def dispatch(self, vcpu: VCpu, eid: int, fid: int, args: list[int]) -> SbiReturn | None:
        if eid <= LEGACY_LAST:
            return await self._legacy(vcpu, eid, args)
        handler = {EXT_BASE: self._base, EXT_TIME: self._time, EXT_SRST: self._srst,
                   EXT_DBCN: self._dbcn, EXT_HSM: self._hsm}.get(eid)
        if handler is None:
            return SbiReturn(SBI_ERR_NOT_SUPPORTED)
        return await handler(vcpu, fid, args)

    # -- Base -----------------------------------------------------------------------
    async def _base(self, vcpu: VCpu, fid: int, args: list[int]) -> SbiReturn:
        if fid == 3:
            return SbiReturn(SBI_SUCCESS, 1 if args[0] in SUPPORTED_EXTENSIONS else 0)
        values = {0: SPEC_VERSION, 1: IMPL_ID, 2: IMPL_VERSION, 4: 0, 5: 0, 6: 0}
        if fid not in values:
            return SbiReturn(SBI_ERR_NOT_SUPPORTED)
        return SbiReturn(SBI_SUCCESS, values[fid])

    # -- TIME -----------------------------------------------------------------------
    async def _set_timer(self, vcpu: VCpu, low: int, high: int) -> None:
        """Program the guest timer (Sstc vstimecmp, compared with the guest's time) and
        drop any timer interrupt the VMM itself injected."""
        hvip = (await vcpu.read(["hvip"]))["hvip"]
        await vcpu.write({"vstimecmp": low, "vstimecmph": high, "hvip": hvip & ~HVIP_VSTIP})

    async def _time(self, vcpu: VCpu, fid: int, args: list[int]) -> SbiReturn:
        if fid != 0:
            return SbiReturn(SBI_ERR_NOT_SUPPORTED)
        await self._set_timer(vcpu, args[0], args[1])
        return SbiReturn(SBI_SUCCESS)

    # -- SRST -----------------------------------------------------------------------
    async def _srst(self, vcpu: VCpu, fid: int, args: list[int]) -> SbiReturn | None:
        if fid != 0:
            return SbiReturn(SBI_ERR_NOT_SUPPORTED)
        reset_type, reason = args[0], args[1]
        if reset_type not in (SRST_SHUTDOWN, SRST_COLD_REBOOT, SRST_WARM_REBOOT):
            return SbiReturn(SBI_ERR_INVALID_PARAM)    # reserved, or vendor types we lack
        if reason not in (SRST_REASON_NONE, SRST_REASON_FAILURE):
            return SbiReturn(SBI_ERR_INVALID_PARAM)
        if reset_type != SRST_SHUTDOWN:
            return SbiReturn(SBI_ERR_NOT_SUPPORTED)    # a VM here cannot reboot
        passed = reason == SRST_REASON_NONE
        vcpu.vm.finish(passed, f"{vcpu.label}: SBI system_reset(shutdown, "
                               f"{'no reason' if passed else 'system failure'})")
        return NO_RETURN

    # -- DBCN -----------------------------------------------------------------------
    def _console_range(self, vcpu: VCpu, length: int, base_lo: int, base_hi: int) -> int | None:
        """The guest-physical base of a DBCN buffer, or None if it is not all guest RAM."""
        gpa = (base_hi << 32) | base_lo
        if base_hi or not vcpu.vm.ram.contains(gpa, length):
            return None
        return gpa

    async def _dbcn(self, vcpu: VCpu, fid: int, args: list[int]) -> SbiReturn:
        if fid == 2:
            vcpu.vm.console.write(bytes([args[0] & 0xFF]))
            return SbiReturn(SBI_SUCCESS, 0)
        if fid not in (0, 1):
            return SbiReturn(SBI_ERR_NOT_SUPPORTED)
        length = args[0]
        if length == 0:
            return SbiReturn(SBI_SUCCESS, 0)
        gpa = self._console_range(vcpu, length, args[1], args[2])
        if gpa is None:
            return SbiReturn(SBI_ERR_INVALID_PARAM)
        if fid == 0:
            vcpu.vm.console.write(vcpu.vm.ram.read(gpa, length))
            return SbiReturn(SBI_SUCCESS, length)
        return SbiReturn(SBI_SUCCESS, 0)   # console input: there is never any

    # -- HSM ------------------------------------------------------------------------
    def _valid_entry(self, vcpu: VCpu, addr: int) -> bool:
        return addr % 4 == 0 and vcpu.vm.ram.contains(addr, 4)

    async def _hsm(self, vcpu: VCpu, fid: int, args: list[int]) -> SbiReturn | None:
        vcpus = vcpu.vm.vcpus
        if fid == 0:
            hartid, start, opaque = args[0], args[1], args[2]
            if hartid >= len(vcpus):
                return SbiReturn(SBI_ERR_INVALID_PARAM)
            target = vcpus[hartid]
            if target.state is not RunState.STOPPED:
                return SbiReturn(SBI_ERR_ALREADY_AVAILABLE)
            if not self._valid_entry(vcpu, start):
                return SbiReturn(SBI_ERR_INVALID_ADDRESS)
            await target.write(restart_values(start, hartid, opaque))
            target.state = RunState.STARTED
            return SbiReturn(SBI_SUCCESS)
        if fid == 1:
            vcpu.state = RunState.STOPPED
            return NO_RETURN
        if fid == 2:
            if args[0] >= len(vcpus):
                return SbiReturn(SBI_ERR_INVALID_PARAM)
            state = vcpus[args[0]].state
            return SbiReturn(SBI_SUCCESS, {RunState.STOPPED: HSM_STOPPED,
                                           RunState.SUSPENDED: HSM_SUSPENDED}.get(state, HSM_STARTED))
        if fid == 3:
            return self._suspend(vcpu, args[0], args[1], args[2])
        return SbiReturn(SBI_ERR_NOT_SUPPORTED)

    def _suspend(self, vcpu: VCpu, kind: int, resume: int, opaque: int) -> SbiReturn | None:
        if kind == HSM_SUSPEND_RETENTIVE:
            vcpu.state = RunState.SUSPENDED
            vcpu.on_wake = None
            return SbiReturn(SBI_SUCCESS)    # seen by the guest when it wakes
        if kind == HSM_SUSPEND_NON_RETENTIVE:
            if not self._valid_entry(vcpu, resume):
                return SbiReturn(SBI_ERR_INVALID_ADDRESS)
            vcpu.state = RunState.SUSPENDED
            vcpu.on_wake = restart_values(resume, vcpu.index, opaque)
            return NO_RETURN
        reserved = kind < 0x1000_0000 or 0x8000_0000 < kind < 0x9000_0000
        return SbiReturn(SBI_ERR_INVALID_PARAM if reserved else SBI_ERR_NOT_SUPPORTED)

    # -- legacy ---------------------------------------------------------------------
    async def _legacy(self, vcpu: VCpu, eid: int, args: list[int]) -> SbiReturn | None:
        if eid == LEGACY_SET_TIMER:
            await self._set_timer(vcpu, args[0], args[1])
            return SbiReturn(SBI_SUCCESS, legacy=True)
        if eid == LEGACY_PUTCHAR:
            vcpu.vm.console.write(bytes([args[0] & 0xFF]))
            return SbiReturn(SBI_SUCCESS, legacy=True)
        if eid == LEGACY_GETCHAR:
            return SbiReturn(-1, legacy=True)
        if eid == LEGACY_SHUTDOWN:
            vcpu.vm.finish(True, f"{vcpu.label}: SBI legacy shutdown")
            return NO_RETURN
        return SbiReturn(SBI_ERR_NOT_SUPPORTED, legacy=True)
