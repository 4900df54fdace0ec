"""Applying an import's lines: per record in business-time order, many records per transaction, each line answered.

A service says how its records are made and changed (an `Importer`); this module does the rest the same way for
every service: it groups the lines by record (`ref`, the external key), orders each record's lines by
`occurred_at` (then line number), and takes records in chunks, one transaction each. Within a chunk it finds the
keys already imported, loads the records that exist already in one statement, runs each line through the
aggregate (a line that breaks a rule is answered with its problem and leaves the record as it was before it), then
appends every record's new events, their summaries and the lines' keys in a few statements, and commits. A lost
race (another writer, a concurrent run of the same lines) rolls the chunk back and runs it again.
"""

from __future__ import annotations

from continuum.importers.batch.chunks import ATTEMPTS, CHUNK_LINES, ImportRun, run_import
from continuum.importers.batch.lines import Importer, ImportLineModel, Line

__all__ = ["ATTEMPTS", "CHUNK_LINES", "ImportLineModel", "ImportRun", "Importer", "Line", "run_import"]
