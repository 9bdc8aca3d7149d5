"""A graded test's outcome must not depend on which tests ran before it.

The grading plugin's `--tinymoe-order=reverse|random:SEED` reorders the selected tests; every
lesson's graded tests must still pass on solutions/ in reverse and in a random order (the
normal order is checked by tests/test_exercise_meta.py).
"""

from pathlib import Path

import pytest
from test_grading import make_demo_tree

from tinymoe.grading.pytest_plugin import reorder
from tinymoe.grading.runner import run_tests

REPO = Path(__file__).resolve().parents[1]

# two tests that share state: the second passes only when the first ran before it
ORDER_DEPENDENT = '''\
import pytest

SEEN = []


@pytest.mark.exercise("98.1")
@pytest.mark.points(1)
def test_first():
    SEEN.append(1)


@pytest.mark.exercise("98.1")
@pytest.mark.points(1)
def test_second():
    assert SEEN == [1], "test_first did not run before me"
'''


def test_reorder_reverses_or_shuffles_reproducibly():
    items = list(range(10))
    reorder(items, None)
    assert items == list(range(10))
    reorder(items, "reverse")
    assert items == list(range(9, -1, -1))
    first, second = list(range(10)), list(range(10))
    reorder(first, "random:7")
    reorder(second, "random:7")
    assert first == second and sorted(first) == list(range(10)) and first != list(range(10))
    with pytest.raises(pytest.UsageError, match="expected reverse or random:SEED"):
        reorder(items, "sideways")


def test_the_order_option_reaches_the_graded_run(tmp_path):
    root = make_demo_tree(tmp_path / "checkout")
    (root / "tests" / "exercises" / "test_98_demo.py").write_text(ORDER_DEPENDENT)
    outcomes = {
        order: {t.name: t.outcome for t in run_tests(root, impl="solutions", order=order).tests}
        for order in (None, "reverse")
    }
    assert outcomes == {
        None: {"test_first": "passed", "test_second": "passed"},
        "reverse": {"test_first": "passed", "test_second": "failed"},
    }


@pytest.mark.parametrize("order", ["reverse", "random:20261201"])
def test_every_lesson_passes_on_solutions_in_any_order(order):
    run = run_tests(REPO, impl="solutions", order=order)
    failed = [f"{t.nodeid}: {t.message}" for t in run.tests if t.outcome != "passed"]
    assert run.tests and failed == [] and run.errors == [], "\n".join(failed + run.errors)
