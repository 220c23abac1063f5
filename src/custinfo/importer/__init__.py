"""Import customers from CSV, TSV, JSON or NDJSON (see `engine.run_import`)."""

from custinfo.importer.engine import ImportOptions, Summary, run_import
from custinfo.importer.rejects import RejectsWriter

__all__ = ["ImportOptions", "RejectsWriter", "Summary", "run_import"]
