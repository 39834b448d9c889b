"""The one way rmbase starts or joins Ray (the engine of ``rmbase sweep`` and of sharded ``rmbase presence``).

``connect(address)`` joins an existing cluster when ``address`` (or ``RAY_ADDRESS``) is given, else starts Ray
embedded in this process, with no dashboard, its session files under :func:`ray_temp_dir` (``~/.cache/rmbase/ray``;
set ``RMBASE_RAY_TMPDIR`` to move them); an already initialised Ray is reused as it is. Ray is imported only here
and only when called (the ``ray`` extra).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rmbase.errors import InputError

TEMP_ENV = "RMBASE_RAY_TMPDIR"
KEEP_SESSIONS_DAYS = 2.0
MAX_TEMP_DIR_CHARS = 48  # + "/session_<date>_<pid>/sockets/plasma_store" (~58) stays under the 107-byte socket limit


def ray_temp_dir() -> Path:
    """Where an embedded Ray keeps its session files (logs, sockets): ``$RMBASE_RAY_TMPDIR``, else
    ``~/.cache/rmbase/ray`` (or ``$TMPDIR/rmbase-ray-<uid>`` when that path is too long for Ray's sockets).
    Sessions older than two days are removed here, so the folder does not grow run after run."""
    import shutil
    import time

    root = Path(os.environ.get(TEMP_ENV) or Path.home() / ".cache" / "rmbase" / "ray").expanduser()
    if len(str(root)) > MAX_TEMP_DIR_CHARS and not os.environ.get(TEMP_ENV):
        # Ray's unix sockets live below it, and a socket path may not exceed 107 bytes
        import tempfile

        root = Path(tempfile.gettempdir()) / f"rmbase-ray-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    root.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_SESSIONS_DAYS * 86400
    for session in root.glob("session_2*"):
        try:
            if session.is_dir() and not session.is_symlink() and session.stat().st_mtime < cutoff:
                shutil.rmtree(session, ignore_errors=True)
        except OSError:
            continue
    return root


def connect(address: str | None = None, *, num_cpus: int | None = None, num_gpus: int | None = None) -> Any:
    """Initialise Ray once and return the ``ray`` module.

    With an address (``--address`` or ``RAY_ADDRESS``) Ray joins that cluster and ``num_cpus``/``num_gpus`` are the
    cluster's business (they must be None). Without one Ray starts embedded with the given resources.
    """
    try:
        import ray
    except ImportError as exc:
        raise InputError("Ray is not installed", expected='pip install "rmbase[ray]"') from exc
    if ray.is_initialized():
        return ray
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": True, "logging_level": "WARNING"}
    if address:
        if num_cpus is not None or num_gpus is not None:
            raise InputError("resources of a Ray cluster are set where its nodes start, not by the driver",
                             expected="no --num-cpus/--num-gpus with --address")
        kwargs["address"] = address
    else:
        import logging

        kwargs.update(num_cpus=num_cpus, num_gpus=num_gpus, _temp_dir=str(ray_temp_dir()))
        # an embedded Ray keeps Ray's default (token authentication on); its note about that default is not news
        logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "an embedded Ray"
        raise InputError(f"cannot start or join {where}: {exc}",
                         expected="a running cluster address (ray start --head) or no address") from exc
    return ray
