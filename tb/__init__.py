"""The pyuvm testbench, the simulator runner and the hvcosim command line."""
