"""``govsim app``: serve the trainer's app with no network at all.

Solara's page loads its front-end (Vue, Vuetify, fonts) from a CDN path that
the server proxies; with the pinned ``solara-assets`` package those files are
already on disk, so the proxy answers from its cache and never goes out.
plotly.js is served from the plotly package at ``/static/assets/plotly.min.js``
(Solara's extra asset locations). Telemetry and the version check are off.
docs/APP.md explains the choice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from simulation.app.plotly_view import plotly_js_path, serve_from

APP = "simulation.app.components:Page"
PLOTLY_URL = "/static/assets/plotly.min.js"


@dataclass
class Settings:
    scenario: str | None = None  # archetype name or scenario file
    seed: int = 1
    folder: str | None = None


settings = Settings()


def offline_environment() -> dict[str, str]:
    """Solara settings (read from the environment when its server starts) for an offline app."""
    return {
        "SOLARA_APP": APP,
        "SOLARA_ASSETS_PROXY": "True",  # front-end files from the local cache (solara-assets), never the CDN
        "SOLARA_ASSETS_EXTRA_LOCATIONS": str(plotly_js_path().parent),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_MODE": "production",
        "SOLARA_THEME_SHOW_BANNER": "False",
    }


def serve(scenario: str | None, seed: int, host: str, port: int, folder: str | None = None) -> None:
    """Start the app server (blocks until stopped)."""
    settings.scenario, settings.seed, settings.folder = scenario, seed, folder
    env = offline_environment()
    os.environ.update(env)
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    serve_from(PLOTLY_URL)

    import solara.server.settings as solara_settings
    import uvicorn

    # Settings objects may already exist (imported before the environment was set): set them too.
    solara_settings.main.mode = "production"
    solara_settings.telemetry.mixpanel_enable = False
    solara_settings.assets.extra_locations = [env["SOLARA_ASSETS_EXTRA_LOCATIONS"]]
    import solara.server.starlette as solara_app

    print(f"govsim app: http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    uvicorn.run(solara_app.app, host=host, port=port, log_level="warning")
