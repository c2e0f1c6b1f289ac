"""The results directory of a comparison or study: part files, compaction, manifest.

Layout of ``DIR``::

    manifest.json        what was asked for and provenance; written at start and at the end
    design.parquet       the design points (point, one column per varied field)
    parts/<key>.json     one finished run (its window means), written atomically by the driver
    failures/<key>.txt   the traceback of a run that raised (retried on resume)
    runs.parquet         all finished runs, compacted from the parts (one row per run)
    effects.parquet      paired effects per (point, arm, metric)
    sensitivity.parquet  sensitivity indices (designs only)

The status of a run is derived, not stored: done if its key is in
``runs.parquet`` or ``parts/``, failed if ``failures/`` has it, else pending.
So no file is rewritten per run, and a sweep killed at any instant resumes
without losing or duplicating a run (a part is either wholly there or absent;
compaction de-duplicates by key before it removes parts).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

FILE_MODE = 0o644  # mkstemp creates 0600; results are meant to be read by others
OUTPUTS = (
    "manifest.json",
    "design.parquet",
    "runs.parquet",
    "effects.parquet",
    "effects.csv",
    "sensitivity.parquet",
    "report.html",
)


def atomic_write(path: Path, write: Callable[[str], Any]) -> None:
    """Write through a temporary file in the same directory, then rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, lambda p: Path(p).write_text(json.dumps(data, indent=2, default=str), encoding="utf-8"))


class Store:
    """One results directory. Only the driver process writes to it."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.parts = self.root / "parts"
        self.failures = self.root / "failures"
        self._lock = None

    # -- life cycle ---------------------------------------------------------
    def has_results(self) -> bool:
        return self.root.is_dir() and any((self.root / name).exists() for name in (*OUTPUTS, "parts"))

    def clear(self) -> None:
        """Remove what a previous comparison or study wrote here (and nothing else)."""
        for name in OUTPUTS:
            (self.root / name).unlink(missing_ok=True)
        for folder in (self.parts, self.failures):
            if folder.is_dir():
                for f in folder.iterdir():
                    f.unlink()
                folder.rmdir()

    def lock(self) -> bool:
        """Take the directory for this process; False when another process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.root / ".lock", "w")  # noqa: SIM115 - held until unlock()
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.unlock()
            return False
        return True

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None

    def read_manifest(self) -> dict[str, Any] | None:
        p = self.root / "manifest.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    def write_manifest(self, data: dict[str, Any]) -> None:
        write_json(self.root / "manifest.json", data)

    # -- runs -----------------------------------------------------------------
    def write_part(self, key: str, row: dict[str, Any]) -> None:
        """One finished run; NaN is kept (JSON's NaN token; floats round-trip exactly)."""
        atomic_write(self.parts / f"{key}.json", lambda p: Path(p).write_text(json.dumps(row), encoding="utf-8"))
        (self.failures / f"{key}.txt").unlink(missing_ok=True)

    def write_failure(self, key: str, text: str) -> Path:
        path = self.failures / f"{key}.txt"
        atomic_write(path, lambda p: Path(p).write_text(text, encoding="utf-8"))
        return path

    def failed_keys(self) -> set[str]:
        return {p.stem for p in self.failures.glob("*.txt")} if self.failures.is_dir() else set()

    def done_keys(self) -> set[str]:
        keys = {p.stem for p in self.parts.glob("*.json")} if self.parts.is_dir() else set()
        runs = self.root / "runs.parquet"
        if runs.is_file():
            keys |= set(pd.read_parquet(runs, columns=["key"])["key"])
        return keys

    def compact(self) -> pd.DataFrame:
        """Merge the parts into ``runs.parquet`` (atomically), then remove the merged parts."""
        frames = []
        runs = self.root / "runs.parquet"
        if runs.is_file():
            frames.append(pd.read_parquet(runs))
        parts = sorted(self.parts.glob("*.json")) if self.parts.is_dir() else []
        if parts:
            rows = [json.loads(p.read_text(encoding="utf-8")) for p in parts]
            frames.append(pd.DataFrame(rows))
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True).drop_duplicates("key", keep="first")
        df = df.sort_values(["point", "rep", "arm_index"], kind="stable").reset_index(drop=True)
        atomic_write(runs, lambda p: df.to_parquet(p, index=False))
        for p in parts:
            p.unlink(missing_ok=True)
        if self.parts.is_dir() and not any(self.parts.iterdir()):
            self.parts.rmdir()
        return df
