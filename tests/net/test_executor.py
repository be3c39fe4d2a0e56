"""The executor protocol (``tactic_mesh.net.executor``): every engine gives the same outcomes in input
order; a worker's exception, timeout or death comes back as a value; bad names and a missing Ray are
one clear error.  The Ray tests start one local instance for the module (2 CPUs, no dashboard) and
are skipped, visibly, when Ray is not installed; they come last so no pool forks beside Ray."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator

import pytest

from tactic_mesh.net.executor import (
    EXECUTORS,
    ExecutorError,
    Failed,
    InlineExecutor,
    Ok,
    ProcessExecutor,
    RayExecutor,
    WorkerError,
    make_executor,
)


def _crash_on_3(x: int) -> int:
    """Kills its worker process on 3 (the pool's workers are forked, so this module is there)."""
    if x == 3:
        os._exit(7)
    return 10 * x


def _summary(outcomes: Iterator[Ok[int] | Failed]) -> list[object]:
    return [o.value if isinstance(o, Ok) else o.kind for o in outcomes]


ITEMS = [5, -1, 0, 7, 2.5, 3]
EXPECTED = [120, "error", 1, 5040, "error", 6]


@pytest.mark.parametrize("name", ["inline", "process"])
def test_same_ordered_outcomes(name: str) -> None:
    with make_executor(name, 2) as ex:
        outcomes = list(ex.map(math.factorial, ITEMS))
        assert [o.index for o in outcomes] == list(range(len(ITEMS)))
        assert _summary(iter(outcomes)) == EXPECTED
        bad = outcomes[1]
        assert isinstance(bad, Failed) and bad.message.startswith("ValueError: factorial()")
        with pytest.raises(WorkerError, match="item 1: worker error: ValueError"):
            bad.unwrap()
        assert outcomes[0].unwrap() == 120
        # the executor is reusable, and a lazy iterable is consumed as it goes
        assert _summary(ex.map(abs, (i - 3 for i in range(6)))) == [3, 2, 1, 0, 1, 2]
        assert list(ex.map(abs, [])) == []


def test_a_timed_out_item_is_a_value_and_the_others_go_on() -> None:
    with ProcessExecutor(2) as ex:
        assert _summary(ex.map(time.sleep, [0.0, 60.0, 0.0, 0.0], timeout=1.0)) == [None, "timeout", None, None]
        assert _summary(ex.map(abs, [-4])) == [4]  # a fresh pool after the killed one
    with InlineExecutor() as inline:  # inline cannot interrupt: an overrun is reported after it returns
        assert _summary(inline.map(time.sleep, [0.0, 0.3], timeout=0.1)) == [None, "timeout"]


def test_a_dead_worker_is_the_crash_of_its_item_only() -> None:
    with ProcessExecutor(2) as ex:
        outcomes = list(ex.map(_crash_on_3, range(7), timeout=60.0))
        assert _summary(iter(outcomes)) == [0, 10, 20, "crash", 40, 50, 60]
        crash = outcomes[3]
        assert isinstance(crash, Failed) and "died" in crash.message


def test_an_abandoned_map_stops_its_workers() -> None:
    ex = ProcessExecutor(2)
    it = ex.map(time.sleep, [0.0, 60.0, 60.0])
    assert next(it).index == 0
    it.close()  # the two sleeping calls are killed, not waited for
    assert _summary(ex.map(abs, [-1, -2])) == [1, 2]
    ex.close()
    with pytest.raises(ExecutorError, match="closed"):
        list(ex.map(abs, [1]))


def test_bad_names_and_a_missing_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    assert EXECUTORS == ("inline", "process", "ray")
    with pytest.raises(ExecutorError, match=r"unknown executor 'dask' \(known: inline, process, ray\)"):
        make_executor("dask", 2)
    with pytest.raises(ExecutorError, match="at least one worker"):
        make_executor("process", 0)
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if it were not installed
    with pytest.raises(ExecutorError, match=r"install the ray extra: pip install -e '\.\[ray\]'"):
        make_executor("ray", 2)


# -- Ray (last: see the module docstring) -------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")
    with RayExecutor(2) as ex:  # ray.init(num_cpus=2, include_dashboard=False) on 127.0.0.1; shut down after
        yield ex


def test_ray_gives_the_same_ordered_outcomes(ray_executor: RayExecutor) -> None:
    import ray

    assert ray.is_initialized() and ray_executor.name == "ray" and ray_executor.workers == 2
    outcomes = list(ray_executor.map(math.factorial, ITEMS))
    assert [o.index for o in outcomes] == list(range(len(ITEMS)))
    assert _summary(iter(outcomes)) == EXPECTED
    bad = outcomes[1]
    assert isinstance(bad, Failed) and bad.message.startswith("ValueError: factorial()")
    # a second executor joins the running instance and leaves it running when closed
    with make_executor("ray", 2) as joined:
        assert _summary(joined.map(abs, [-3])) == [3]
    assert ray.is_initialized()


def test_ray_timeouts_and_crashes_are_values(ray_executor: RayExecutor) -> None:
    assert _summary(ray_executor.map(time.sleep, [0.0, 60.0, 0.0], timeout=1.0)) == [None, "timeout", None]
    crashed = list(ray_executor.map(os._exit, [7], timeout=60.0))
    assert _summary(iter(crashed)) == ["crash"]
    assert _summary(ray_executor.map(abs, [-5, 6])) == [5, 6]
