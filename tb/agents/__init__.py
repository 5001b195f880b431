"""UVM agents of the co-simulation env (DESIGN §6): AXI4-Lite (s_axil), AXI4 memory (m_axi), IRQ.

BFMs (signal wiggling and sampling: ``tb.sim.unit_tb.Harness``, ``tb.sim.guest_mem.HostRam``,
``bus_sampler.AxiBusSampler``) are kept apart from the components that see transactions.
"""
