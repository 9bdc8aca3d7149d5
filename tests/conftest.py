"""Shared fixtures: the PyTorch oracle (engine tests only: graded tests never use it), a
seeded generator, hypothesis profiles; registers the grading plugin (`load_exercise`).

Keep this file self-contained: `tinymoe grade --submission` copies it, alone, with the graded
tests into a throwaway folder."""

import os

import numpy as np
import pytest
from hypothesis import settings

pytest_plugins = ["tinymoe.grading.pytest_plugin"]

settings.register_profile("tinymoe", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("tinymoe")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def torch():
    """The PyTorch module, for oracle tests. Skips when torch is missing, unless
    TINYMOE_REQUIRE_TORCH=1 (CI), where a missing oracle is a failure."""
    try:
        import torch as torch_module
    except ImportError:
        if os.environ.get("TINYMOE_REQUIRE_TORCH") == "1":
            pytest.fail("TINYMOE_REQUIRE_TORCH=1 but torch is not installed")
        pytest.skip("torch not installed (pip install -e '.[oracle]')")
    torch_module.set_default_dtype(torch_module.float64)
    return torch_module


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator per test."""
    return np.random.default_rng(1234)


# --- the mutant check's totals, printed at the end of the run (CI's output shows them) ---
_MUTANT_COUNTS = []  # (caught, mutants, full, alternatives) per lesson, from the reports


def pytest_runtest_logreport(report):
    """Collect the counts that tests/test_mutants.py attaches to its reports (also from
    pytest-xdist workers, whose reports reach the controller)."""
    if report.when == "call":
        _MUTANT_COUNTS.extend(v for k, v in report.user_properties if k == "mutant_counts")


def pytest_terminal_summary(terminalreporter):
    if _MUTANT_COUNTS:
        caught, total, full, alts = (sum(c[i] for c in _MUTANT_COUNTS) for i in range(4))
        terminalreporter.write_line(f"mutants caught: {caught}/{total}, alternatives at "
                                    f"full marks: {full}/{alts} ({len(_MUTANT_COUNTS)} lessons)")
