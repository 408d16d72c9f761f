"""Small helpers shared by the benchmarks."""
from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_header(paths: tuple[str, ...]) -> str:
    """Date, machine, load and the commit measured (with the measured files that differ from it)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", *paths)
    changed = f" + uncommitted changes in {', '.join(ln[3:] for ln in dirty.splitlines())}" if dirty else ""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"run: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, {platform.python_implementation()} "
            f"{platform.python_version()}; load average {load}; commit {head}{changed}")
