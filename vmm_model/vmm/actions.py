"""Scripted VMM actions: what a scenario asks the VMM to do at a precise moment.

A directed scenario sometimes needs the hypervisor to act at one exact point:
inject an interrupt through ``hvip`` when the guest makes a given SBI call,
change ``hedeleg``/``hideleg``/``hstatus`` of a VM before it runs, move a guest
page to another host frame (and flush), swap a page out.  Rather than special
cases in the exit handler, ``RunOptions.vmm_actions`` lists such actions as
plain dictionaries (JSON-friendly, so a co-simulation job carries them too):

    {"at": "start", "vm": 0, "do": "write", "values": {"hedeleg": 0x0}}
    {"at": "exit", "cause": 10, "pc": 0x80000124, "do": "set_bits", "field": "hvip", "bits": 4}
    {"at": "exit", "cause": 10, "nth": 2, "do": "remap", "gpa": 0x80400000}

Trigger: ``at`` = ``"start"`` (once, before any vCPU runs; applies to every
vCPU of the matching VM) or ``"exit"`` (after the VMM handled an exit and
before the vCPU resumes).  Exit filters, all optional: ``vm`` and ``vcpu``
(indices), ``cause`` (the exit's scause, interrupt bit included), ``pc`` (its
sepc), ``nth`` (only the nth matching exit, counted from 1; default every one).

Actions (``do``): ``write`` {field: value} into the vCPU's state;
``set_bits`` / ``clear_bits`` of one ``field``; ``remap`` the guest page at
``gpa`` onto a fresh host frame (contents copied, the old frame poisoned and
freed, a G-stage flush queued); ``swap_out`` that page (poisoned, freed, flush
queued: the next access swaps it back in); ``flush`` the whole TLB
(``kind``: ``all``, ``gvma`` or ``vvma`` of the VM's VMID).  Bad scripts are
``GuestInputError`` (exit 2) before anything runs.
"""
from __future__ import annotations

from interfaces.regmap import FLUSH_ALL, FLUSH_GVMA, FLUSH_VVMA
from interfaces.trace import ExitRecord
from interfaces.vcpu_state import SAVED_FIELDS

from .errors import GuestInputError
from .vcpu import VCpu
from .vm import Vm

FLUSH_KINDS = {"all": FLUSH_ALL, "gvma": FLUSH_GVMA, "vvma": FLUSH_VVMA}
STATE_ACTIONS = ("write", "set_bits", "clear_bits")
PAGE_ACTIONS = ("remap", "swap_out")
ACTIONS = (*STATE_ACTIONS, *PAGE_ACTIONS, "flush")
FILTERS = ("vm", "vcpu", "cause", "pc", "nth")


def load_actions(path: str) -> list[dict]:
    """A JSON file holding a list of actions (``hvcosim run/cosim --vmm-actions FILE``)."""
    import json
    try:
        with open(path) as file:
            actions = json.load(file)
    except OSError as exc:
        raise GuestInputError(f"{path}: {exc.strerror}") from None
    except ValueError as exc:
        raise GuestInputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(actions, list):
        raise GuestInputError(f"{path}: a JSON list of actions is expected")
    return actions


def _problem(index: int, action: dict, why: str) -> GuestInputError:
    return GuestInputError(f"vmm action {index} ({action!r}): {why}")


def check_actions(actions: list[dict], num_vms: int) -> None:
    """Raise ``GuestInputError`` (one line) for the first unusable action."""
    for index, action in enumerate(actions):
        if not isinstance(action, dict):
            raise _problem(index, action, "not a dictionary")
        at, do = action.get("at"), action.get("do")
        if at not in ("start", "exit"):
            raise _problem(index, action, "'at' must be 'start' or 'exit'")
        if do not in ACTIONS:
            raise _problem(index, action, f"'do' must be one of {', '.join(ACTIONS)}")
        if at == "start" and any(k in action for k in ("cause", "pc", "nth")):
            raise _problem(index, action, "a start action takes no cause/pc/nth")
        for key in FILTERS:
            if key in action and (not isinstance(action[key], int) or action[key] < 0):
                raise _problem(index, action, f"'{key}' must be an integer >= 0")
        if action.get("nth") == 0:
            raise _problem(index, action, "'nth' counts from 1")
        if action.get("vm", 0) >= num_vms:
            raise _problem(index, action, f"there are only {num_vms} VMs")
        if do == "write":
            values = action.get("values")
            if not isinstance(values, dict) or not values:
                raise _problem(index, action, "'write' needs a non-empty 'values' dictionary")
            unknown = [name for name in values if name not in SAVED_FIELDS]
            if unknown:
                raise _problem(index, action, f"unknown state field {unknown[0]!r}")
        elif do in ("set_bits", "clear_bits"):
            if action.get("field") not in SAVED_FIELDS or not isinstance(action.get("bits"), int):
                raise _problem(index, action, f"'{do}' needs a state 'field' and integer 'bits'")
        elif do in PAGE_ACTIONS:
            if not isinstance(action.get("gpa"), int):
                raise _problem(index, action, f"'{do}' needs an integer 'gpa'")
        elif action.get("kind", "all") not in FLUSH_KINDS:
            raise _problem(index, action, f"'kind' must be one of {', '.join(FLUSH_KINDS)}")


class ScriptedActions:
    """Applies ``RunOptions.vmm_actions``; ``fired[i]`` counts how often action i ran."""

    def __init__(self, actions: list[dict] | None, vms: list[Vm]):
        self.actions = list(actions or [])
        check_actions(self.actions, len(vms))
        for action in self.actions:
            if action["do"] in PAGE_ACTIONS:
                ram = vms[action.get("vm", 0)].ram
                if not ram.contains(action["gpa"]):
                    raise GuestInputError(f"vmm action {action!r}: GPA {action['gpa']:#x} is "
                                          f"not guest RAM")
        self.vms = vms
        self.fired = [0] * len(self.actions)
        self._matches = [0] * len(self.actions)

    def __bool__(self) -> bool:
        return bool(self.actions)

    async def at_start(self, unit) -> None:
        for index, action in enumerate(self.actions):
            if action["at"] != "start":
                continue
            for vm in self.vms:
                if action.get("vm", vm.index) != vm.index:
                    continue
                vcpus = [v for v in vm.vcpus if action.get("vcpu", v.index) == v.index]
                if action["do"] not in STATE_ACTIONS:
                    vcpus = vcpus[:1]           # a page or a flush is the VM's: once
                for vcpu in vcpus:
                    await self._apply(action, vcpu, unit)
                    self.fired[index] += 1

    async def after_exit(self, vcpu: VCpu, exit: ExitRecord, unit) -> None:
        if not vcpu.vm.running:
            return
        for index, action in enumerate(self.actions):
            if action["at"] != "exit" or not self._matches_exit(action, vcpu, exit):
                continue
            self._matches[index] += 1
            if action.get("nth", self._matches[index]) == self._matches[index]:
                await self._apply(action, vcpu, unit)
                self.fired[index] += 1

    @staticmethod
    def _matches_exit(action: dict, vcpu: VCpu, exit: ExitRecord) -> bool:
        return (action.get("vm", vcpu.vm.index) == vcpu.vm.index
                and action.get("vcpu", vcpu.index) == vcpu.index
                and action.get("cause", exit.scause) == exit.scause
                and action.get("pc", exit.sepc) == exit.sepc)

    async def _apply(self, action: dict, vcpu: VCpu, unit) -> None:
        do, vm = action["do"], vcpu.vm
        if do == "write":
            await vcpu.write(dict(action["values"]))
        elif do in ("set_bits", "clear_bits"):
            name = action["field"]
            value = (await vcpu.read([name]))[name]
            value = value | action["bits"] if do == "set_bits" else value & ~action["bits"]
            await vcpu.write({name: value})
        elif do == "remap":
            vm.ram.remap(action["gpa"])
        elif do == "swap_out":
            vm.ram.swap_out(action["gpa"])
        else:
            kind = FLUSH_KINDS[action.get("kind", "all")]
            await unit.flush_tlb(kind, vmid=vm.vmid)
