"""Report on the run that orchestrate started this script for.

    import orchestrate

    @orchestrate.run()                  # RUNNING when called, then SUCCEEDED, or FAILED with the exception
    def main():
        orchestrate.report(message="halfway")

A status you report is kept with the run as a message (and reaches webhooks and the API); the
script's exit code still decides how the run ends. No dependencies: the standard library only.
orchestrate puts this module on PYTHONPATH (after yours: a module of yours named `orchestrate` wins).
"""

import functools
import json
import os
import sqlite3
import urllib.request
from datetime import datetime, timezone

__all__ = ["report", "run", "NotStartedByOrchestrate"]

_STATUSES = ("running", "succeeded", "failed")


class NotStartedByOrchestrate(RuntimeError):
    """The script was not started by orchestrate: there is no run to report on."""


def report(status=None, message=None):
    """Attaches a status (running, succeeded, failed) and/or a message to this script's run."""
    if status is None and message is None:
        raise ValueError("give a status, a message, or both")
    if status is not None:
        status = str(getattr(status, "value", status)).lower()
        if status not in _STATUSES:
            raise ValueError(f"status must be one of {', '.join(_STATUSES)}, got {status!r}")
    run_id = os.environ.get("ORCHESTRATE_RUN_ID")
    if not run_id:
        raise NotStartedByOrchestrate("ORCHESTRATE_RUN_ID is not set: this script was not started by orchestrate")
    body = {key: value for key, value in (("status", status), ("message", None if message is None else str(message))) if value is not None}
    api = os.environ.get("ORCHESTRATE_API_URL")
    if api:
        _post(api.rstrip("/") + f"/v1/runs/{int(run_id)}/messages", body, os.environ.get("ORCHESTRATE_REPORT_TOKEN"))
        return
    state = os.environ.get("ORCHESTRATE_STATE")
    if not state or "://" in state or state == ":memory:":
        raise NotStartedByOrchestrate("neither ORCHESTRATE_API_URL nor a state file is set: cannot reach the daemon")
    _write(state, int(run_id), body)


def run():
    """A decorator: reports RUNNING when the function is called, then SUCCEEDED, or FAILED with the exception (which is raised on)."""

    def wrap(fn):
        @functools.wraps(fn)
        def call(*args, **kwargs):
            report(status="running", message=f"{fn.__name__} started")
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                report(status="failed", message=f"{type(error).__name__}: {error}")
                raise
            report(status="succeeded", message=f"{fn.__name__} finished")
            return result

        return call

    return wrap


def _post(url, body, token):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _write(path, run_id, body):
    """Straight into the state store (SQLite), which the daemon follows; one short transaction."""
    connection = sqlite3.connect(path, timeout=5)
    try:
        with connection:
            connection.execute(
                "INSERT INTO messages (run_id, at, status, message) VALUES (?, ?, ?, ?)",
                (run_id, datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"), body.get("status"), body.get("message")),
            )
    finally:
        connection.close()
