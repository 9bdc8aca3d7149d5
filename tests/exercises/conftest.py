"""Graded-exercise fixtures: `load_exercise("01_neurons")` loads the implementation under test.

Which one: `--submission=DIR`, else `--impl=solutions|exercises|DIR`, else $TINYMOE_IMPL,
else solutions (so a plain `pytest` passes on a fresh clone). See docs/grading.md.
"""

from pathlib import Path

import pytest

from tinymoe.grading.loader import impl_dir, load_lesson

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def load_exercise(request):
    """A function lesson -> module, loading each lesson file once per session."""
    folder = impl_dir(
        ROOT, request.config.getoption("impl"), request.config.getoption("submission")
    )
    cache = {}

    def load(lesson: str):
        if lesson not in cache:
            cache[lesson] = load_lesson(folder, lesson)
        return cache[lesson]

    return load
