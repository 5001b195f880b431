"""The VMM's main loop: round-robin scheduling of every vCPU of every VM on the unit.

Each vCPU runs for a quantum of retirement records (the unit's preemption
budget) before the next one gets the unit; exits in between are handled and the
same vCPU continues with what is left of its quantum.  Retirements are counted
from platform-time deltas around each run (the unit adds one per record), and the
global instruction cap bounds the budget of every run, so the run stops on it
exactly.  When every vCPU waits, platform time jumps to the earliest guest timer
deadline — the only time the VMM moves time itself.  If no waiting vCPU has a
timer armed and enabled, nothing can ever wake them: the run ends as a timeout
(exit 3), the same verdict as a guest spinning forever.  A VM whose vCPUs have
all stopped (SBI HSM hart_stop) without a system_reset ends as failed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from interfaces.regmap import FLUSH_ALL, FLUSH_GVMA
from interfaces.vcpu_state import PREEMPT_CAUSE
from vmm_model.backend import Unit

from .actions import ScriptedActions
from .contexts import ContextPool
from .errors import GuestFailure
from .exits import ExitHandler
from .vcpu import RunState, VCpu
from .vm import Vm, VmStatus
from .wakeup import pending_enabled, timer_deadline, wake_registers

DEFAULT_QUANTUM = 10_000


@dataclass
class VmmOutcome:
    status: str             # "pass", "fail" or "timeout"
    message: str
    instructions: int
    exit_counts: dict[str, int] = field(default_factory=dict)


class Vmm:
    def __init__(self, unit: Unit, vms: list[Vm], quantum: int = DEFAULT_QUANTUM,
                 max_instructions: int | None = None, actions: list[dict] | None = None):
        if quantum <= 0:
            raise ValueError("quantum must be positive")
        self.unit = unit
        self.vms = vms
        self.quantum = quantum
        self.max_instructions = max_instructions
        self.pool = ContextPool(unit)
        self.exits = ExitHandler()
        self.script = ScriptedActions(actions, vms)      # RunOptions.vmm_actions
        self.retired = 0
        self.time_jumps = 0
        self._order: list[VCpu] = [vcpu for vm in vms for vcpu in vm.vcpus]
        self._cursor = len(self._order) - 1

    # -- bookkeeping --------------------------------------------------------------------
    def _live(self) -> list[Vm]:
        return [vm for vm in self.vms if vm.running]

    def _cap_left(self) -> int | None:
        return None if self.max_instructions is None else self.max_instructions - self.retired

    async def _apply_flushes(self, vm: Vm) -> None:
        for gpa in vm.ram.take_pending_flushes():
            await self.unit.flush_tlb(FLUSH_GVMA, vmid=vm.vmid, addr=gpa)

    def _release_finished(self, vm: Vm) -> None:
        if not vm.running:
            for vcpu in vm.vcpus:
                self.pool.release(vcpu)

    def _check_all_stopped(self, vm: Vm) -> None:
        if vm.running and all(v.state is RunState.STOPPED for v in vm.vcpus):
            vm.finish(False, f"vm{vm.index}: every vCPU stopped (SBI hart_stop) without system_reset")

    # -- scheduling ---------------------------------------------------------------------
    async def _wake_if_due(self, vcpu: VCpu, now: int) -> bool:
        if not pending_enabled(await wake_registers(vcpu), now):
            return False
        if vcpu.on_wake is not None:
            await vcpu.write(vcpu.on_wake)
            vcpu.on_wake = None
        vcpu.state = RunState.STARTED
        return True

    async def _next_runnable(self) -> VCpu | None:
        now = await self.unit.get_time()
        for step in range(1, len(self._order) + 1):
            index = (self._cursor + step) % len(self._order)
            vcpu = self._order[index]
            if not vcpu.vm.running:
                continue
            if vcpu.state is RunState.STARTED or (
                    vcpu.state in (RunState.WAITING, RunState.SUSPENDED)
                    and await self._wake_if_due(vcpu, now)):
                self._cursor = index
                return vcpu
        return None

    async def _jump_to_next_deadline(self) -> bool:
        """Move platform time to the earliest timer deadline of a waiting vCPU, if any."""
        deadlines = [timer_deadline(await wake_registers(vcpu))
                     for vm in self._live() for vcpu in vm.vcpus
                     if vcpu.state in (RunState.WAITING, RunState.SUSPENDED)]
        deadlines = [d for d in deadlines if d is not None]
        if not deadlines:
            return False
        now = await self.unit.get_time()
        await self.unit.set_time(max(now, min(deadlines)))
        self.time_jumps += 1
        return True

    async def _run_slice(self, vcpu: VCpu) -> None:
        """Run ``vcpu`` for up to one quantum, handling its exits as they come."""
        vm = vcpu.vm
        quantum_left = self.quantum
        while vm.running and vcpu.state is RunState.STARTED and quantum_left > 0:
            cap_left = self._cap_left()
            budget = quantum_left if cap_left is None else min(quantum_left, cap_left)
            if budget <= 0:
                return
            context = await self.pool.place(vcpu)
            await self._apply_flushes(vm)
            before = await self.unit.get_time()
            exit = await context.run(budget)
            used = await self.unit.get_time() - before
            self.retired += used
            quantum_left -= used
            try:
                await self.exits.handle(vcpu, exit)
            except GuestFailure as failure:
                vm.finish(False, str(failure))
            if self.script:
                await self.script.after_exit(vcpu, exit, self.unit)
            if exit.scause == PREEMPT_CAUSE:
                return
            await self._apply_flushes(vm)
        self._check_all_stopped(vm)

    async def run(self) -> VmmOutcome:
        await self.unit.flush_tlb(FLUSH_ALL)
        for vm in self.vms:
            vm.ram.take_pending_flushes()   # the mappings made while loading: covered above
        if self.script:
            await self.script.at_start(self.unit)
        while self._live():
            cap_left = self._cap_left()
            if cap_left is not None and cap_left <= 0:
                return self._outcome("timeout", f"instruction budget of {self.max_instructions} "
                                     f"retirements (--max-instructions) ran out")
            vcpu = await self._next_runnable()
            if vcpu is None:
                for vm in self._live():
                    self._check_all_stopped(vm)
                if self._live() and not await self._jump_to_next_deadline():
                    return self._outcome("timeout", "every vCPU waits for an interrupt and no "
                                         "timer is armed: the guests can never run again")
                continue
            await self._run_slice(vcpu)
            for vm in self.vms:
                self._release_finished(vm)
        failed = [vm for vm in self.vms if vm.status is VmStatus.FAILED]
        if failed:
            return self._outcome("fail", "; ".join(vm.reason for vm in failed))
        return self._outcome("pass", "; ".join(vm.reason for vm in self.vms))

    def _outcome(self, status: str, message: str) -> VmmOutcome:
        return VmmOutcome(status, message, self.retired, dict(self.exits.counts))
