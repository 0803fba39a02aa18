"""Run every benchmark (or some) against engines started for this run, and print the ratios.

python -m benchmarks                 # everything, default sizes
python -m benchmarks --only write    # one benchmark
python -m benchmarks --scale 0.1     # smaller counts, for a quick look
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import BENCHMARKS, BenchContext, Figure, report
from casetrail.platform.embedded_postgres import LocalPostgres, free_port


def load_benchmarks() -> None:
    package_dir = Path(__file__).parent
    for module in pkgutil.iter_modules([str(package_dir)]):
        if module.name not in {"harness", "__main__"}:
            importlib.import_module(f"benchmarks.{module.name}")


def main() -> int:
    load_benchmarks()
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), default=None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count by this")
    arguments = parser.parse_args()
    selected = arguments.only or sorted(BENCHMARKS)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="casetrail-bench-") as work:
        postgres = LocalPostgres(Path(work) / "postgres", port=free_port())
        postgres.start()
        try:
            context = BenchContext(postgres=postgres, work_dir=Path(work), scale=arguments.scale)
            try:
                for name in selected:
                    print(f"benchmark {name}", file=sys.stderr, flush=True)
                    these = BENCHMARKS[name](context)
                    # Each benchmark's figures as soon as they exist, then all at the end.
                    print(report(these), file=sys.stderr, flush=True)
                    figures += these
            finally:
                context.close()
        finally:
            postgres.stop()
    print(report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
