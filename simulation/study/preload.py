"""What the sweep workers' fork server loads once (``executors._worker_context``): the package, and the
compiled kernels a day calls. Numba loads a kernel's machine code from its on-disk cache at the kernel's
first call in a process (a few ms each, about 0.4 s for a day's set); made here, in the server, every
worker forked from it starts with them loaded instead of paying that in its first run."""

from __future__ import annotations

from simulation.study import runner

try:
    runner.load_kernels()
except Exception:  # noqa: BLE001  (a warm-up only: a worker meets any real error in its own runs)
    pass
