"""The VMM and its reference software vCPU."""
