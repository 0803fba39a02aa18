"""Bounded HTTP load on loopback with Debian's wrk (a C client: on a small machine the load
generator must cost the server as little CPU as possible).

A benchmark writes the Lua that shapes its requests; :func:`run_wrk` appends the reporter,
runs wrk for a fixed time, and answers the rate and latency percentiles.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Appended to every request script: one machine-readable line with the totals.
REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %f %f %f %d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def wrk() -> str:
    """Debian's wrk, installed when missing (the machine running the benchmarks is ours)."""
    found = shutil.which("wrk")
    if found is None:
        for step in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
            subprocess.run(
                ["env", "DEBIAN_FRONTEND=noninteractive", *step], check=True, capture_output=True
            )
        found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is needed for the HTTP benchmarks: apt-get install wrk")
    return found


def run_wrk(
    base_url: str, requests_lua: str, script: Path, *, concurrency: int, seconds: int
) -> WrkResult:
    """``concurrency`` connections for ``seconds`` seconds; any failed request is an error."""
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(requests_lua + REPORT_LUA)
    out = subprocess.run(
        [
            wrk(),
            "-t",
            str(min(concurrency, 2)),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 90,
    ).stdout
    [result] = [line for line in out.splitlines() if line.startswith("RESULT ")]
    requests, duration_us, p50_us, p95_us, p99_us, errors = result.split()[1:]
    if int(errors):
        raise RuntimeError(f"{errors} requests failed under load:\n{out}")
    return WrkResult(
        requests=int(requests),
        rate=int(requests) / (int(duration_us) / 1e6),
        p50_ms=float(p50_us) / 1000,
        p95_ms=float(p95_us) / 1000,
        p99_ms=float(p99_us) / 1000,
    )
