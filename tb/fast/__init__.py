"""The fast memory mode of the co-simulation (docs/performance.md).

The unit runs inside ``tb/hdl/cosim_harness.sv``: its ``m_axi`` is answered by an
SV memory, its retirements are packed into an SV ring drained by Python in
batches, and an SV guard checks every ``m_axi`` address against an owner table.
Python wakes only on ``irq``, ``trace_full`` or ``iso_violation``.

- :mod:`tb.fast.harness`: the harness sources and build parameters (host side).
- :mod:`tb.fast.trace`: the record layout of the ring and its numpy unpacking.
- :mod:`tb.fast.unit`: ``FastRtlUnit`` / ``FastRtlContext`` (the ``Unit`` API of
  ``tb.rtl_unit.RtlUnit``), ``FastRam`` (the SV memory and guard seen from Python).
"""
