"""Per-seed functional coverage as UCIS databases (pyucis's SQLite backend), merged across seeds.

DESIGN §7: merging UCIS XML into XML failed with pyucis; the SQLite backend reads and
writes reliably, so each seed is a SQLite UCIS database and the merge adds the counts
read from them (:func:`merge_files`).
Layout of a database: one design unit and one instance ``hvcosim``; one covergroup
per plan group, one coverpoint per plan coverpoint (crosses too, bins named
``a/b/c``), one bin per plan bin with its hit count; one history node (the test:
the seed's name).  Any UCIS reader (pyucis ``ucis`` command, vendor tools that
import UCIS) sees the same numbers the HTML report shows.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .collector import Hits


def _ucis():
    from ucis.sqlite import SqliteUCIS       # imported where used: pyucis is slow to import
    return SqliteUCIS


def write(path: Path | str, hits: Hits, test_name: str = "hvcosim") -> None:
    """Write ``hits`` as a new UCIS SQLite database (atomically: temp file, then rename)."""
    from ucis import UCIS_ENABLED_STMT, UCIS_INST_ONCE
    from ucis.history_node_kind import HistoryNodeKind
    from ucis.scope_type_t import ScopeTypeT
    from ucis.source_t import SourceT
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    db = _ucis()(tmp)
    try:
        db.createHistoryNode(None, test_name, "hvcosim", HistoryNodeKind.TEST)
        du = db.createScope("hvcosim", None, 1, SourceT.NONE, ScopeTypeT.DU_MODULE, UCIS_ENABLED_STMT)
        inst = db.createInstance("hvcosim", None, 1, SourceT.NONE, ScopeTypeT.INSTANCE, du,
                                 UCIS_INST_ONCE)
        for group, coverpoints in hits.items():
            cg = inst.createCovergroup(group, None, 1, SourceT.NONE)
            for name, bins in coverpoints.items():
                cp = cg.createCoverpoint(name, None, 1, SourceT.NONE)
                for bin_name, count in bins.items():
                    cp.createBin(bin_name, None, 1, int(count), bin_name)
    finally:
        db.close()
    os.replace(tmp, path)


def read(path: Path | str) -> Hits:
    from ucis.cover_type_t import CoverTypeT
    from ucis.scope_type_t import ScopeTypeT
    db = _ucis()(str(path))
    hits: Hits = {}
    try:
        for inst in db.scopes(ScopeTypeT.INSTANCE):
            for cg in inst.scopes(ScopeTypeT.COVERGROUP):
                for cp in cg.scopes(ScopeTypeT.COVERPOINT):
                    bins = hits.setdefault(cg.getScopeName(), {}).setdefault(cp.getScopeName(), {})
                    for item in cp.coverItems(CoverTypeT.CVGBIN):
                        bins[item.getName()] = bins.get(item.getName(), 0) + int(item.getCoverData().data)
    finally:
        db.close()
    return hits


def merge_files(paths: list[Path], out: Path | str) -> Hits:
    """Merge seed databases into the UCIS database ``out``; return the merged hits.

    Each database is read back through the UCIS API and the counts are added here:
    pyucis 0.1.5's ``SqliteUCIS.merge`` was tried first and lost bins that the first
    database did not hold (and mis-added counts), so it is not used.
    """
    from .collector import merge
    if not paths:
        raise ValueError("nothing to merge")
    hits = merge(*(read(p) for p in paths))
    write(out, hits, test_name="merged")
    return hits
