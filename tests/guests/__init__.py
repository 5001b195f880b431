"""Guest programs (RV32IM assembly) run by tests/test_guests.py and `hvcosim regress`."""
