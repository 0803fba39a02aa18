"""The ``casetrail`` command line: the composition root for every process we run."""

from casetrail.cli.main import main

__all__ = ["main"]
