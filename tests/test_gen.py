"""The random guest generator (vmm_model.gen): reproducible, decodable, objdump-exact,
every knob changes what comes out, and the programs pass on the reference VMM while a
deliberately wrong expectation makes them fail."""
from __future__ import annotations

import argparse
import shutil

import pytest

from vmm_model.elf import load_elf
from vmm_model.gen import (DEFAULT_WEIGHTS, KnobError, Knobs, add_arguments, generate, main, run_args,
                           write, write_actions)
from vmm_model.gen.paging import USER_TEXT_VA
from vmm_model.isa import decode, disasm, encode

from tests.isa_toolchain import PREFIX, objdump_lines

SRET, WFI, EBREAK = 0x10200073, 0x10500073, 0x00100073
M_EXTENSION = ("mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu")


def words(program):
    text = program.text
    base = program.segments[0].vaddr
    return [(base + i, int.from_bytes(text[i:i + 4], "little")) for i in range(0, len(text), 4)]


def names(program):
    return [decode(word).name for _, word in words(program)]


def elf_bytes(program, tmp_path, name="p.elf"):
    path = tmp_path / name
    write(program, path)
    return path.read_bytes()


# -- reproducibility ------------------------------------------------------------------

def test_same_seed_gives_identical_elf(tmp_path):
    first = elf_bytes(generate(1234), tmp_path, "a.elf")
    second = elf_bytes(generate(1234), tmp_path, "b.elf")
    assert first == second


def test_different_seeds_differ(tmp_path):
    assert elf_bytes(generate(1), tmp_path, "a.elf") != elf_bytes(generate(2), tmp_path, "b.elf")
    assert generate(1).vmm_args != generate(3).vmm_args or generate(1).text != generate(3).text


def test_elf_round_trips_through_the_loader(tmp_path):
    program = generate(7)
    path = tmp_path / "p.elf"
    write(program, path)
    image = load_elf(str(path))
    assert image.entry == program.entry
    assert [s.data for s in image.segments] == [s.data for s in program.segments]
    assert image.symbols["_start"] == program.entry
    assert image.symbols["begin_signature"] < image.symbols["end_signature"]


# -- decoding and disassembly ---------------------------------------------------------

KNOB_MIXES = [Knobs(), Knobs(instructions=800, vcpus=3), Knobs(weights={"illegal": 20, "virtual": 10}),
              Knobs(vu=False, timers=False, check_rate=1.0),
              Knobs(instructions=600, weights={"paging": 20, "illegal": 10})]


@pytest.mark.parametrize("seed", range(40))
def test_every_word_decodes_except_the_intended_illegal_ones(seed):
    program = generate(seed, KNOB_MIXES[seed % len(KNOB_MIXES)])
    illegal = {pc for pc, word in words(program) if decode(word).name == "illegal"}
    assert illegal == program.intended_illegal


STRESS_MIXES = [Knobs(weights={"loop": 20, "csr": 20}, loop_max=8),
                Knobs(instructions=600, weights={name: 5 for name in DEFAULT_WEIGHTS}),
                Knobs(instructions=600, weights={"paging": 20, "mmio": 5, "vu": 5}, vcpus=2)]


@pytest.mark.parametrize("mix", range(len(STRESS_MIXES)))
def test_generation_succeeds_for_many_seeds(mix):
    """The generator's own consistency (every source known, every branch decidable)."""
    for seed in range(60):
        generate(1000 * mix + seed, STRESS_MIXES[mix])


def test_intended_illegal_words_are_generated_when_asked_for():
    program = generate(5, Knobs(instructions=600, weights={"illegal": 100}))
    assert program.intended_illegal


def test_disassembly_matches_objdump(tmp_path):
    if shutil.which(PREFIX + "objdump") is None:
        pytest.fail(f"{PREFIX}objdump not found: install Debian's binutils-riscv64-unknown-elf",
                    pytrace=False)
    for seed in range(len(KNOB_MIXES)):
        program = generate(seed, KNOB_MIXES[seed])
        path = tmp_path / f"p{seed}.elf"
        write(program, path)
        dumped = objdump_lines(path)
        mismatches = []
        for pc, word in words(program):
            assert pc in dumped, f"seed {seed}: objdump printed nothing at {pc:#x}"
            dumped_word, text = dumped[pc]
            assert dumped_word == word
            if disasm(word, pc) != text:
                mismatches.append(f"{pc:#x} {word:08x}: objdump {text!r} "
                                  f"vs disasm {disasm(word, pc)!r}")
        assert not mismatches, f"seed {seed}:\n" + "\n".join(mismatches[:20])


# -- knobs: each one changes what is produced -----------------------------------------

def test_instructions_knob_scales_the_program():
    small = generate(3, Knobs(instructions=200))
    assert len(generate(3, Knobs(instructions=1000)).text) > 2 * len(small.text)


def test_weight_zero_removes_a_class_and_a_heavy_weight_favours_it():
    no_m = names(generate(3, Knobs(instructions=600, weights={"muldiv": 0})))
    assert not set(no_m) & set(M_EXTENSION)
    heavy = names(generate(3, Knobs(instructions=600, weights={"muldiv": 200})))
    assert sum(n in M_EXTENSION for n in heavy) > 100
    few_breaks = names(generate(3, Knobs(weights={"ebreak": 0}))).count("ebreak")
    many_breaks = names(generate(3, Knobs(weights={"ebreak": 60}))).count("ebreak")
    assert few_breaks == 0 and many_breaks > 10


def test_data_pages_knob_sets_the_footprint():
    small, large = generate(4, Knobs(data_pages=1)), generate(4, Knobs(data_pages=16))
    assert len(small.segments[1].data) == 4096 and len(large.segments[1].data) == 16 * 4096


def test_check_rate_knob_changes_the_number_of_checks():
    assert generate(4, Knobs(check_rate=0.0)).checks < generate(4, Knobs(check_rate=1.0)).checks


def test_loop_max_knob_bounds_iterations():
    # More iterations replay the loop bodies more often: more traps happen.
    few = generate(8, Knobs(instructions=600, loop_max=1, weights={"loop": 40, "misaligned": 20}))
    many = generate(8, Knobs(instructions=600, loop_max=30, weights={"loop": 40, "misaligned": 20}))
    assert len(many.expected_traps[0]) > len(few.expected_traps[0])


def test_vu_flag():
    # The handler's own sret is the only one without VU switches.
    assert words_equal(generate(6, Knobs(vu=False)), SRET) == 1
    assert words_equal(generate(6, Knobs(instructions=800, weights={"vu": 30})), SRET) > 1


def test_timers_flag():
    assert words_equal(generate(6, Knobs(timers=False)), WFI) == 0
    assert words_equal(generate(6, Knobs(instructions=800, weights={"timer": 30})), WFI) > 0


def test_paging_flag():
    def satp_writes(program):
        return sum(decode(w).name == "csrrw" and decode(w).csr == 0x180 for _, w in words(program))
    off = generate(6, Knobs(paging=False))
    on = generate(6, Knobs(instructions=800, weights={"paging": 30}))
    assert satp_writes(off) == 0 and len(off.segments) == 3
    assert satp_writes(on) > 0 and len(on.segments) == 4
    page_faults = {t.cause for t in on.expected_traps[0]} & {12, 13, 15}
    assert page_faults == {12, 13, 15}, "a paging-heavy program should expect every page fault"
    # VU code runs at the U alias of the code megapage while translation is on.
    assert any(t.epc >> 22 == USER_TEXT_VA >> 22 for t in on.expected_traps[0])


def test_vcpus_knob_gives_each_hart_a_stream():
    program = generate(9, Knobs(vcpus=3))
    assert len(program.expected_traps) == 3 and program.run_options["vcpus"] == 3
    assert ["--vcpus", "3"] == program.vmm_args[:2]


def test_vary_vmm_knob():
    fixed = generate(9, Knobs(vary_vmm=False))
    assert set(fixed.run_options) - {"vmm_actions"} == {"vcpus", "mem", "seed"}
    assert fixed.axi_settings == {}
    assert "quantum" in generate(9).run_options and generate(9).axi_settings
    sizes = {generate(seed, Knobs(instructions=20)).run_options["mem"] for seed in range(30)}
    assert len(sizes) > 1 and min(sizes) == 16 << 20


def test_the_hole_after_ram_moves_with_the_seeds_ram_size():
    """The mmio class's access past RAM aims at the seed's own RAM end."""
    knobs = Knobs(instructions=400, weights={"mmio": 60})
    for seed in range(40):
        program = generate(seed, knobs)
        end = 0x8000_0000 + program.run_options["mem"]
        faults = [t.tval for t in program.expected_traps[0] if t.cause in (5, 7)]
        if program.run_options["mem"] > 16 << 20 and any(end <= a < end + 64 for a in faults):
            break
    else:
        pytest.fail("no seed with a larger RAM aimed at the hole right after it")


def actions_of(program, do=None):
    return [a for a in program.run_options.get("vmm_actions", []) if do is None or a["do"] == do]


def test_vmm_events_knob_adds_page_events_the_guest_cannot_see():
    seeds = range(20)
    on = [generate(s, Knobs(instructions=100)) for s in seeds]
    off = [generate(s, Knobs(instructions=100, vmm_events=False)) for s in seeds]
    page_actions = sum(len(actions_of(p, "remap") + actions_of(p, "swap_out")) for p in on)
    assert page_actions > 20
    assert all(not actions_of(p, "remap") and not actions_of(p, "swap_out") for p in off)
    assert any(a["at"] == "start" for p in on for a in actions_of(p, "swap_out"))
    # The events are the VMM's: the guest's bytes are the same either way.
    assert [p.text for p in on] == [p.text for p in off]


def test_vmmirq_class_scripts_the_injections_it_expects():
    heavy = generate(21, Knobs(instructions=600, weights={"vmmirq": 30}))
    none = generate(21, Knobs(instructions=600, weights={"vmmirq": 0}))
    injected = actions_of(heavy, "set_bits")
    assert len(injected) > 5 and not actions_of(none, "set_bits")
    assert {a["field"] for a in injected} == {"hvip"}
    assert {a["bits"] for a in injected} == {1 << 2, 1 << 6, 1 << 10}
    # Each injection is tied to an ecall of the program, at its pc.
    text = dict(words(heavy))
    assert all(text[a["pc"]] == 0x73 and a["cause"] == 10 for a in injected)
    interrupts = {t.cause for t in heavy.expected_traps[0] if t.cause >> 31}
    assert {0x8000_0001, 0x8000_0005, 0x8000_0009} <= interrupts
    assert not actions_of(generate(21, Knobs(instructions=600, timers=False)), "set_bits")


def test_vmmirq_guest_fails_without_the_vmm_injection(tmp_path):
    """The guest really checks: the same program run without its scripted injections fails."""
    program = generate(21, Knobs(instructions=300, weights={"vmmirq": 30}))
    path = tmp_path / "g.elf"
    write(program, path)
    from vmm_model.run import RunOptions, run_guests
    options = dict(program.run_options, vmm_actions=[])
    assert run_guests([str(path)], RunOptions(**options)).status == "fail"


def test_axi_settings_are_chosen_by_the_seed():
    from vmm_model.gen import axi_settings
    settings = [axi_settings(seed) for seed in range(40)]
    assert settings == [axi_settings(seed) for seed in range(40)]
    assert len({(tuple(s["latency"]), s["backpressure"]) for s in settings}) > 5
    assert all(s["errors"] == [] and s["error_rate"] == 0.0 for s in settings)
    assert generate(5).axi_settings == axi_settings(5)


def test_break_knobs_change_the_program():
    plain, broken = generate(10), generate(10, Knobs(break_check=0))
    assert plain.text != broken.text
    assert generate(10, Knobs(break_trap=0)).segments[2].data != plain.segments[2].data


def words_equal(program, word):
    return sum(w == word for _, w in words(program))


@pytest.mark.parametrize("knobs, message", [
    (Knobs(instructions=0), "instructions"),
    (Knobs(weights={"nope": 1}), "unknown instruction class"),
    (Knobs(weights={name: 0 for name in DEFAULT_WEIGHTS}), "weight 0"),
    (Knobs(data_pages=0), "data pages"),
    (Knobs(check_rate=1.5), "check rate"),
    (Knobs(vcpus=0), "vcpus"),
    (Knobs(vcpus=8, data_pages=200), "vcpus x data pages"),
    (Knobs(break_check=-1), "break check"),
])
def test_bad_knobs_are_rejected(knobs, message):
    with pytest.raises(KnobError, match=message):
        generate(0, knobs)


# -- command line ---------------------------------------------------------------------

def parse(argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_cli_writes_the_program_and_prints_the_run_command(tmp_path, capsys):
    out = tmp_path / "g.elf"
    assert main(parse(["--seed", "11", "-o", str(out), "--weight", "muldiv=0", "--no-vu"])) == 0
    assert out.read_bytes() == elf_bytes(generate(11, Knobs(weights={"muldiv": 0}, vu=False)), tmp_path)
    printed = capsys.readouterr().out.strip()
    assert printed.startswith(f"hvcosim run {out} --vcpus 1 --mem {16 << 20} --seed 11")
    actions = generate(11, Knobs(weights={"muldiv": 0}, vu=False)).run_options.get("vmm_actions")
    assert actions      # (this seed has some) they go beside the ELF, and the command names them
    if actions:
        import json
        assert printed.endswith(f"--vmm-actions {out}.vmm-actions.json")
        assert json.loads((tmp_path / "g.elf.vmm-actions.json").read_text()) == actions


@pytest.mark.parametrize("argv", [["--instructions", "0"], ["--vcpus", "99"], ["--check-rate", "2"]])
def test_cli_bad_knob_exits_2_with_one_line(tmp_path, capsys, argv):
    out = tmp_path / "g.elf"
    assert main(parse(["--seed", "1", "-o", str(out), *argv])) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
    assert not out.exists()


def test_cli_listing_names_every_expected_trap(tmp_path):
    out, lst = tmp_path / "g.elf", tmp_path / "g.lst"
    assert main(parse(["--seed", "12", "-o", str(out), "--listing", str(lst)])) == 0
    text = lst.read_text()
    program = generate(12)
    assert text.count(" trap #") == len(program.expected_traps[0]) > 0
    assert f"{program.entry:08x}: " in text and "_start:" in text


def test_cli_bad_weight_is_a_usage_error():
    with pytest.raises(SystemExit) as raised:
        parse(["--seed", "1", "-o", "x.elf", "--weight", "nosuchclass=3"])
    assert raised.value.code == 2


def test_cli_unwritable_output_exits_2(tmp_path, capsys):
    assert main(parse(["--seed", "1", "-o", str(tmp_path / "no" / "such" / "dir.elf")])) == 2
    assert capsys.readouterr().err.count("\n") == 1


# -- on the reference VMM ------------------------------------------------------------

def run_on_reference(program, tmp_path, name="g.elf"):
    from vmm_model.run import RunOptions, run_guests
    path = tmp_path / name
    write(program, path)
    options = dict(program.run_options, max_instructions=200_000)
    return run_guests([str(path)], RunOptions(**options))


RUN_SEEDS = range(200)


@pytest.mark.parametrize("seed", RUN_SEEDS)
def test_generated_program_passes_on_the_reference(seed, tmp_path):
    program = generate(seed)
    result = run_on_reference(program, tmp_path)
    assert (result.status, result.exit_status) == ("pass", 0), (
        f"seed {seed} ({' '.join(program.vmm_args)}): {result.message}\n{result.details}")


@pytest.mark.parametrize("seed", range(10))
def test_paging_heavy_program_passes_on_the_reference(seed, tmp_path):
    program = generate(seed, Knobs(instructions=200, weights={"paging": 20}))
    result = run_on_reference(program, tmp_path)
    assert result.exit_status == 0, f"seed {seed}: {result.message}\n{result.details}"


FAIL_CALL = encode("addi", rd=11, rs1=0, imm=1)     # a1 = 1 (system failure), then ecall


@pytest.mark.parametrize("broken", [False, True])
def test_fail_is_reached_through_copies_in_long_programs(broken, tmp_path, monkeypatch):
    """A jal reaches 1 MiB; longer programs get copies of the fail code on the way.
    With the reach shrunk to 4 KiB, a broken check at the end must still fail."""
    from vmm_model.gen import skeleton
    monkeypatch.setattr(skeleton, "FAIL_REACH", 4096)
    knobs = Knobs(instructions=3000)
    if broken:
        knobs = Knobs(instructions=3000, break_check=generate(14, knobs).checks - 3)
    program = generate(14, knobs)
    text = [w for _, w in words(program)]
    copies = sum(a == FAIL_CALL and b == 0x73 for a, b in zip(text, text[1:]))
    assert copies > 5
    assert {pc for pc, w in words(program) if decode(w).name == "illegal"} == program.intended_illegal
    result = run_on_reference(program, tmp_path)
    assert result.exit_status == (1 if broken else 0), result.message


@pytest.mark.parametrize("seed", [0, 1])
def test_multi_vcpu_program_passes_on_the_reference(seed, tmp_path):
    program = generate(seed, Knobs(instructions=150, vcpus=3))
    result = run_on_reference(program, tmp_path)
    assert result.exit_status == 0, f"{result.message}\n{result.details}"


@pytest.mark.parametrize("seed, knobs, status", [(3, Knobs(instructions=150), 0),
                                                 (4, Knobs(instructions=150, vcpus=2), 0),
                                                 (5, Knobs(instructions=150, break_check=1), 1),
                                                 (21, Knobs(weights={"vmmirq": 30}), 0)])
def test_hvcosim_run_accepts_the_printed_run_command(seed, knobs, status, tmp_path, capsys):
    """`hvcosim gen` writes the ELF and the VMM actions; the command it prints reproduces."""
    from tb.cli import main as hvcosim
    path = tmp_path / "g.elf"
    program = generate(seed, knobs)
    write(program, path)
    write_actions(program, path)
    args = run_args(program, path)
    assert ("--vmm-actions" in args) == bool(program.run_options.get("vmm_actions"))
    assert hvcosim(["run", str(path), *args]) == status, capsys.readouterr().err


def test_hvcosim_run_bad_vmm_actions_file_exits_2(tmp_path, capsys):
    from tb.cli import main as hvcosim
    path = tmp_path / "g.elf"
    write(generate(3, Knobs(instructions=50)), path)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert hvcosim(["run", str(path), "--vmm-actions", str(bad)]) == 2
    assert hvcosim(["run", str(path), "--vmm-actions", str(tmp_path / "missing.json")]) == 2
    bad.write_text('[{"at": "start", "do": "nonsense"}]')
    assert hvcosim(["run", str(path), "--vmm-actions", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_a_seed_is_reproducible_from_the_seed_alone(seed, tmp_path):
    """ELF bytes, run options (VMM actions included) and AXI settings: pure functions of the seed."""
    import json
    first, again = generate(seed), generate(seed)
    assert elf_bytes(first, tmp_path, "a.elf") == elf_bytes(again, tmp_path, "b.elf")
    assert json.dumps(first.run_options, sort_keys=True) == json.dumps(again.run_options, sort_keys=True)
    assert first.axi_settings == again.axi_settings
    assert first.run_options != generate(seed + 1).run_options


@pytest.mark.parametrize("knob", ["break_check", "break_trap"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_wrong_expectation_makes_the_guest_fail(knob, seed, tmp_path):
    program = generate(seed, Knobs(instructions=150, **{knob: 0}))
    result = run_on_reference(program, tmp_path)
    assert (result.status, result.exit_status) == ("fail", 1), result.message
    assert "system failure" in result.message


def test_cosim_args_carry_the_seeds_memory_agent_settings(tmp_path):
    """What `hvcosim cosim` needs to reproduce a seed on the RTL parses, and gives the job the
    seed's VMM options and AXI settings."""
    from tb.cli import build_parser
    from tb.cosim import _axi_settings
    from vmm_model.gen import cosim_args
    program = generate(5)
    path = tmp_path / "g.elf"
    args = build_parser().parse_args(["cosim", str(path), *cosim_args(program, path)])
    assert _axi_settings(args, "hvcosim", ValueError)["latency"] == program.axi_settings["latency"]
    assert args.axi_backpressure == program.axi_settings["backpressure"]
    assert (args.quantum, args.contexts, args.mem) == tuple(
        program.run_options[k] for k in ("quantum", "contexts", "mem"))
    assert cosim_args(generate(5, Knobs(vary_vmm=False)), path) == run_args(
        generate(5, Knobs(vary_vmm=False)), path)


def test_cli_vmm_events_flag(tmp_path, capsys):
    from vmm_model.gen.cli import knobs_from
    assert knobs_from(parse(["--seed", "1", "-o", "x.elf"])).vmm_events
    assert not knobs_from(parse(["--seed", "1", "-o", "x.elf", "--no-vmm-events"])).vmm_events
    out = tmp_path / "g.elf"
    assert main(parse(["--seed", "3", "-o", str(out), "--no-vmm-events", "--weight", "vmmirq=0"])) == 0
    assert "--vmm-actions" not in capsys.readouterr().out
    assert not (tmp_path / "g.elf.vmm-actions.json").exists()


# -- bus errors chosen by the seed (the buserr class) ----------------------------------

BUS_ERROR_SEEDS = {"read": 0, "write": 16, "both": 17}     # a seed of each direction


def bus_error_program(seed):
    program = generate(seed)
    assert program.class_counts.get("buserr"), f"seed {seed} emits no buserr item"
    return program


def test_bus_error_seeds_cover_every_direction_and_response():
    from vmm_model.gen.layout import BUSERR_PAGE
    plans = {seed: generate(seed).run_options.get("bus_errors") for seed in range(60)}
    entries = [e for plan in plans.values() if plan for e in plan]
    assert {e["dir"] for e in entries} == {"read", "write", "both"}
    assert {e["response"] for e in entries} == {"slverr", "decerr"}
    assert all(BUSERR_PAGE <= e["gpa"] < BUSERR_PAGE + 4096 for e in entries)
    for direction, seed in BUS_ERROR_SEEDS.items():
        assert {e["dir"] for e in plans[seed]} == {direction}
    # A seed with bus errors never gets a memory budget (the erring page must not be swapped).
    assert all(generate(seed).run_options.get("mem_budget") is None for seed, plan in plans.items() if plan)


def test_bus_errors_knob_changes_the_program():
    with_errors = bus_error_program(BUS_ERROR_SEEDS["both"])
    without = generate(BUS_ERROR_SEEDS["both"], Knobs(bus_errors=False))
    weight_zero = generate(BUS_ERROR_SEEDS["both"], Knobs(weights={"buserr": 0}))
    assert with_errors.text != without.text and without.text == weight_zero.text
    assert "bus_errors" not in without.run_options and "buserr" not in without.class_counts
    assert "--axi-error" in with_errors.vmm_args and "--axi-error" not in without.vmm_args
    # A seed that did not choose bus errors is the same program either way.
    plain = next(seed for seed in range(10) if "bus_errors" not in generate(seed).run_options)
    assert generate(plain).text == generate(plain, Knobs(bus_errors=False)).text


def test_buserr_class_expects_access_faults_with_the_address_as_tval():
    from vmm_model.gen.layout import BUSERR_PAGE
    traps = [t for seed in BUS_ERROR_SEEDS.values() for hart in generate(seed).expected_traps
             for t in hart if BUSERR_PAGE <= t.tval < BUSERR_PAGE + 4096]
    assert {t.cause for t in traps} == {1, 5, 7}
    assert all(t.epc == t.tval for t in traps if t.cause == 1)   # the fetch faults at the target


def test_two_hundred_seeds_include_bus_errors():
    """test_generated_program_passes_on_the_reference runs these with their bus errors."""
    assert sum(bool(generate(seed).class_counts.get("buserr")) for seed in RUN_SEEDS) >= 40


@pytest.mark.parametrize("direction", BUS_ERROR_SEEDS)
def test_a_bus_error_seed_fails_without_its_bus_errors(direction, tmp_path):
    """The guest expects the access faults: the injection is real on the reference."""
    program = bus_error_program(BUS_ERROR_SEEDS[direction])
    assert run_on_reference(program, tmp_path).exit_status == 0
    program.run_options.pop("bus_errors")
    result = run_on_reference(program, tmp_path)
    assert (result.status, result.exit_status) == ("fail", 1), result.message


def test_hvcosim_run_reproduces_a_bus_error_seed_from_the_printed_command(tmp_path, capsys):
    from tb.cli import main as hvcosim
    program = bus_error_program(BUS_ERROR_SEEDS["both"])
    path = tmp_path / "g.elf"
    write(program, path)
    write_actions(program, path)
    args = run_args(program, path)
    assert args.count("--axi-error") == len(program.run_options["bus_errors"])
    assert hvcosim(["run", str(path), *args]) == 0, capsys.readouterr().err
    without = [a for i, a in enumerate(args) if "--axi-error" not in (a, args[i - 1])]
    assert hvcosim(["run", str(path), *without]) == 1


def test_cosim_args_carry_the_seeds_bus_errors(tmp_path):
    from tb.cli import build_parser
    from tb.cosim import _axi_settings
    from vmm_model.gen import cosim_args
    program = bus_error_program(BUS_ERROR_SEEDS["read"])
    path = tmp_path / "g.elf"
    args = build_parser().parse_args(["cosim", str(path), *cosim_args(program, path)])
    assert _axi_settings(args, "hvcosim", ValueError)["errors"] == program.run_options["bus_errors"]


@pytest.mark.parametrize("text", ["gpa:0x80fff000:slverr:read", "gpte:0x80001000:decerr",
                                  "0x40001000-0x40002000:slverr:write"])
def test_axi_error_text_round_trips(text):
    from vmm_model.vmm.bus_errors import format_axi_error, parse_axi_error
    assert parse_axi_error(format_axi_error(parse_axi_error(text))) == parse_axi_error(text)


@pytest.mark.parametrize("bad", ["gpa:0x10:slverr", "gpa:0x80000000:okay", "gpa:zz:slverr", "1-2"])
def test_hvcosim_run_bad_axi_error_exits_2_with_one_line(bad, tmp_path, capsys):
    from tb.cli import main as hvcosim
    path = tmp_path / "g.elf"
    write(generate(3, Knobs(instructions=50)), path)
    assert hvcosim(["run", str(path), "--axi-error", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--axi-error" in err and "Traceback" not in err
