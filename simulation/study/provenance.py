"""Provenance recorded with every output: what was run, with which code.

Scenario file and its SHA-256, overrides, seeds, replications, days, window,
the package version and the git commit of the source tree (``None`` when git
or the repository is absent, e.g. an installed wheel).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "networkx", "SALib", "dask", "distributed")


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of a file's bytes (hex), or None when there is no such file."""
    p = Path(path)
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None


def git_commit() -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the tree holding this package."""
    src = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):  # git not installed, or hung
        return {"commit": None, "dirty": None}


def versions() -> dict[str, str | None]:
    """Version of govsim, Python and the main libraries (None when not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("govsim", *PACKAGES):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def provenance(
    scenario_file: str | Path | list | None,
    overrides: list[str] | None,
    seeds: list[int],
    reps: int,
    days: int,
    window: int | None,
    **extra: Any,
) -> dict[str, Any]:
    """One provenance record (JSON-ready)."""
    git = git_commit()
    files = scenario_file if isinstance(scenario_file, list) else [scenario_file] if scenario_file else []
    return {
        "scenario_file": str(files[0]) if len(files) == 1 else [str(f) for f in files] or None,
        "scenario_sha256": file_sha256(files[0]) if len(files) == 1 else [file_sha256(f) for f in files] or None,
        "overrides": list(overrides or []),
        "seeds": list(seeds),
        "reps": reps,
        "days": days,
        "window": window,
        "version": versions()["govsim"],
        "git_commit": git["commit"],
        "git_dirty": git["dirty"],
        "versions": versions(),
        **extra,
    }
