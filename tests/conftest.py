"""Shared test helpers: where the reference data lives, and a skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


def shared_data(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test with the reason when it is not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (it ships beside the repository as ../shared/data)")
    return path


@pytest.fixture
def shared():
    """The ``shared_data`` function as a fixture: ``shared("folder", "file")`` -> Path, or skip with the reason."""
    return shared_data


@pytest.fixture(autouse=True, scope="session")
def _own_cache_dir(tmp_path_factory):
    """rmbase's per-user caches (e.g. the slow predictors' out-of-fold predictions) in a folder of this session, so
    that no test reads what a developer's earlier runs left in ~/.cache/rmbase; subprocesses inherit it."""
    import os

    before = os.environ.get("RMBASE_CACHE_DIR")
    os.environ["RMBASE_CACHE_DIR"] = str(tmp_path_factory.mktemp("rmbase-cache"))
    yield
    if before is None:
        os.environ.pop("RMBASE_CACHE_DIR", None)
    else:
        os.environ["RMBASE_CACHE_DIR"] = before


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """One torch thread for the whole suite: on a 2-core machine, torch's own thread pool beside the test process
    and the workers of other tests oversubscribes the cores (tens of times slower)."""
    try:
        import torch
    except ImportError:  # torch is an optional extra; tests that need it skip on their own
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def ray_session():
    """One embedded Ray for the whole test session (2 CPUs, no dashboard), shut down at the end so that no Ray
    process outlives the tests. Tests that need Ray take this fixture; it skips when Ray is not installed."""
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install 'rmbase[ray]')")
    from rmbase.ray_engine import connect

    ray = connect(num_cpus=2)
    yield ray
    ray.shutdown()
