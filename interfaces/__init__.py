"""The contract between software and hardware: vCPU state, register map, trace record, AXI naming."""
