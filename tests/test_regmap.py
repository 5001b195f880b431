"""The register map: generated files fresh, no overlaps, every vCPU-state field in the window."""
from __future__ import annotations

import re

from interfaces import gen_regmap, regmap, regmap_consts, vcpu_state


def test_generated_files_are_fresh():
    assert gen_regmap.main(["--check"]) == 0, "run `python -m interfaces.gen_regmap` (make regmap)"


def test_global_offsets_distinct_aligned_and_inside_the_block():
    offsets = [r.offset for r in regmap.GLOBAL_REGS]
    assert len(offsets) == len(set(offsets)), "two global registers share an offset"
    for r in regmap.GLOBAL_REGS:
        assert r.offset % 4 == 0 and 0 <= r.offset < regmap.CTX_BASE, r.name
        assert r.access in ("ro", "rw", "w1c", "wo"), r.name
        for f in r.fields:
            assert 0 <= f.lsb and f.lsb + f.width <= 32, f"{r.name}.{f.name}"
        spans = sorted((f.lsb, f.lsb + f.width) for f in r.fields)
        for (a0, a1), (b0, _) in zip(spans, spans[1:]):
            assert a1 <= b0, f"{r.name}: overlapping fields"


def test_window_offsets_distinct_aligned_and_inside_the_window():
    offsets = [f.offset for f in vcpu_state.STATE_FIELDS]
    assert len(offsets) == len(set(offsets)), "two state fields share an offset"
    for f in vcpu_state.STATE_FIELDS:
        assert f.offset % 4 == 0 and 0 <= f.offset < vcpu_state.CTX_WINDOW_SIZE, f.name
        assert 0 <= f.reset <= 0xFFFF_FFFF and 0 <= f.vmm_mask <= 0xFFFF_FFFF, f.name
    csrs = [f.csr for f in vcpu_state.STATE_FIELDS if f.csr is not None]
    assert len(csrs) == len(set(csrs)), "two state fields claim one CSR"


def test_windows_do_not_overlap_and_fit_the_address_space():
    assert regmap.CTX_STRIDE >= vcpu_state.CTX_WINDOW_SIZE
    assert regmap.CTX_BASE >= max(r.offset for r in regmap.GLOBAL_REGS) + 4
    # 16-bit AXI-Lite address: the global block and up to 15 windows.
    max_ctx = ((1 << regmap.ADDR_WIDTH) - regmap.CTX_BASE) // regmap.CTX_STRIDE
    assert max_ctx >= 2
    assert regmap.ctx_base(max_ctx - 1) + regmap.CTX_STRIDE <= 1 << regmap.ADDR_WIDTH


def test_every_state_field_is_in_the_window_and_the_constants():
    names = {f.name for f in vcpu_state.STATE_FIELDS}
    for needed in ("ctrl", "status", "pc", "priv", "scause", "sepc", "stval", "htval", "htinst",
                   "hstatus", "hgatp", "vsatp", "vsstatus", "budget"):
        assert needed in names, needed
    for i in range(32):
        assert f"x{i}" in names
    for f in vcpu_state.STATE_FIELDS:
        assert getattr(regmap_consts, f"CTX_{f.name.upper()}") == f.offset
        assert regmap.ctx_reg(1, f.name) == regmap.CTX_BASE + regmap.CTX_STRIDE + f.offset
    for r in regmap.GLOBAL_REGS:
        assert getattr(regmap_consts, f"REG_{r.name}") == r.offset
    # reset_state/SAVED_FIELDS cover every field but the command/status pair.
    assert set(vcpu_state.reset_state()) == names - {"ctrl", "status"}
    assert set(vcpu_state.SAVED_FIELDS) <= names


def test_sv_package_matches_the_python_description():
    sv = gen_regmap.SV_PATH.read_text()
    for f in vcpu_state.STATE_FIELDS:
        up = f.name.upper()
        assert re.search(rf"\bST_{up} = 10'h{f.offset >> 2:03x};", sv), up
        assert re.search(rf"\b{up}_RESET = 32'h{f.reset:08x};", sv), up
        assert re.search(rf"\b{up}_VMM_MASK = 32'h{f.vmm_mask:08x};", sv), up
    for r in regmap.GLOBAL_REGS:
        assert re.search(rf"\bREG_{r.name} = 12'h{r.offset:03x};", sv), r.name


def test_ctl_window_decode_covers_exactly_the_state_fields():
    """vcpu_ctl decodes mapped window words as ranges of ST_* constants; they must
    cover exactly the fields of vcpu_state (ctrl/status are ctl's own)."""
    text = (gen_regmap.ROOT / "rtl" / "vcpu_ctl.sv").read_text()
    ranges = re.findall(r"\(word >= vcpu_regmap_pkg::ST_(\w+)\)\s*&&\s*\(word <= vcpu_regmap_pkg::ST_(\w+)\)", text)
    assert ranges, "window decode not found in rtl/vcpu_ctl.sv"
    by = vcpu_state.BY_NAME
    covered = set()
    for lo, hi in ranges:
        covered |= set(range(by[lo.lower()].offset >> 2, (by[hi.lower()].offset >> 2) + 1))
    fields = {f.offset >> 2 for f in vcpu_state.STATE_FIELDS if f.name not in ("ctrl", "status")}
    assert covered == fields, (f"ctl decodes words {sorted(covered - fields)} that are no field, "
                               f"misses {sorted(fields - covered)}")
