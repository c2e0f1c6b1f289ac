"""The trainer's app: an interactive, offline, bilingual view of a paired run (``govsim app``).

In Jupyter::

    from simulation.app import TrainerApp
    TrainerApp(scenario="stranger_community")   # the last expression of a cell renders the app

Modules: ``session`` (the paired run), ``adapter`` (what is read from the
model), ``shown`` (the metrics shown), ``layout`` and ``figures`` (the
pictures), ``i18n`` (texts), ``plotly_view`` (offline charts), ``components``
(the Solara components), ``export`` and ``server``. docs/APP.md describes them.
"""

from __future__ import annotations


def __getattr__(name: str):
    # Solara is imported only when a component is asked for: the CLI and tests of the
    # plain modules stay fast.
    if name in ("TrainerApp", "Page"):
        from simulation.app import components

        return getattr(components, name)
    raise AttributeError(name)
