"""The shared Ray engine: embedded start, reuse of a running Ray, and the address/resources rule."""

from __future__ import annotations

import pytest

from rmbase.errors import InputError
from rmbase.ray_engine import connect


def test_embedded_ray_runs_tasks_and_is_reused(ray_session):
    @ray_session.remote
    def square(x):
        return x * x

    assert ray_session.get([square.remote(i) for i in range(4)]) == [0, 1, 4, 9]
    assert connect() is ray_session                    # already initialised: reused, not started again
    assert ray_session.cluster_resources()["CPU"] == 2


def test_address_with_driver_resources_is_refused(monkeypatch):
    pytest.importorskip("ray")
    import ray

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    with pytest.raises(InputError, match="resources of a Ray cluster"):
        connect("127.0.0.1:6379", num_cpus=2)
