"""Errors the VMM raises, sorted by who is to blame (the CLI maps each to an exit status)."""
from __future__ import annotations


class VmmError(Exception):
    """The VMM met something it cannot handle: a bug here or in the unit it drives (exit 4)."""


class GuestInputError(Exception):
    """The guest image or the options describing the VMs are unusable (exit 2)."""


class GuestFailure(Exception):
    """The guest can make no further progress by its own fault (e.g. a trap with no handler):
    its VM ends as failed, like a guest reporting system failure (exit 1)."""
