"""The deployments of prefect.yaml, served by this process (Prefect's `serve()`): the service's
scheduler-facing half. The Prefect server creates the nightly run at 02:00 Beijing time; this
process picks it up and runs it in a child process, as it does for watcher-triggered ingests.

prefect.yaml stays the one list of deployments (the scale-out workers deploy it as is); here each
entry becomes `flow.to_deployment(...)` with its name, description, parameters and schedules.

    python -m flows.served      # with PREFECT_API_URL set; started by `zhenggai serve`
"""
from __future__ import annotations

import importlib
from pathlib import Path

import yaml

CODE_DIR = Path(__file__).resolve().parent.parent
PREFECT_YAML = CODE_DIR / "prefect.yaml"
CONCURRENT_RUNS = 2  # a nightly run and a watcher batch side by side on a small machine


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"]


def load_entrypoint(entrypoint: str):
    """'flows/nightly.py:nightly_flow' → the flow object, imported as a module (flows.nightly)."""
    file, _, attr = entrypoint.partition(":")
    module = file.removesuffix(".py").replace("/", ".")
    return getattr(importlib.import_module(module), attr)


def runner_deployments(path: Path = PREFECT_YAML) -> list:
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    out = []
    for spec in deployment_specs(path):
        schedules = [Cron(s["cron"], timezone=s.get("timezone")) for s in spec.get("schedules") or []]
        out.append(load_entrypoint(spec["entrypoint"]).to_deployment(
            name=spec["name"], description=spec.get("description"), parameters=spec.get("parameters") or {},
            schedules=schedules or None, entrypoint_type=EntrypointType.MODULE_PATH))
    return out


def main() -> None:
    from prefect import serve

    # Schedules stay active while the service is down: a nightly run missed then runs on restart.
    serve(*runner_deployments(), pause_on_shutdown=False, print_starting_message=False,
          limit=CONCURRENT_RUNS)


if __name__ == "__main__":
    main()
