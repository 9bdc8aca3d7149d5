"""Smoke runs of the benchmark suites in tiny configurations: each prints its ratio lines,
with positive ratios, after timing every contender in its own process. Never asserts
timings. The PyTorch ratios need torch (the ``torch`` fixture skips without it)."""

import re

import pytest

from tinymoe.bench.__main__ import main
from tinymoe.bench.common import alternate, pooled_median, time_calls


def _ratios(text: str, label: str) -> list[float]:
    """Every number printed after ``label`` (``ratio ... =`` or ``speed-up``)."""
    return [float(v) for v in re.findall(re.escape(label) + r"\s*([-+0-9.eE]+)", text)]


def _run_suite(capsys, *argv) -> str:
    main(list(argv))
    return capsys.readouterr().out


def test_overhead_suite_prints_a_positive_ratio(capsys, torch):
    out = _run_suite(capsys, "overhead", "--size", "4", "--repeats", "2", "--rounds", "1")
    assert "own fresh process" in out
    (ratio,) = _ratios(out, "ratio tinymoe / pytorch =")
    assert ratio > 0


def test_train_suite_prints_positive_ratios_for_both_mlps(capsys, torch):
    out = _run_suite(capsys, "train", "--steps", "2", "--warmup", "1", "--rounds", "1",
                     "--no-digits")
    assert out.count("MLP ") == 2 and "pytorch: torch" in out
    for label in ("ratio tinymoe[numba] / pytorch =", "ratio tinymoe[numpy] / pytorch =",
                  "ratio tinymoe[numba] / numpy   ="):
        ratios = _ratios(out, label)
        assert len(ratios) == 2 and all(r > 0 for r in ratios), (label, out)


def test_moe_suite_prints_ratios_and_a_small_output_gap(capsys, torch):
    out = _run_suite(capsys, "moe", "--tokens", "64", "--d-model", "16", "--d-hidden", "32",
                     "--experts", "4", "--repeats", "2", "--rounds", "1")
    (ratio,) = _ratios(out, "ratio tinymoe / pytorch =")
    speedups = _ratios(out, "speed-up")
    (gap,) = _ratios(out, "max |y_tinymoe - y_torch| =")
    assert ratio > 0 and len(speedups) == 2 and all(s > 0 for s in speedups)
    assert 0 <= gap < 1e-4  # same weights in both processes: same outputs


def test_threads_suite_prints_both_degradation_ratios(capsys):
    out = _run_suite(capsys, "threads", "--sizes", "48", "--calls", "3", "--steps", "2",
                     "--rounds", "1")
    rows = re.findall(r"^\s+(np|tinymoe)\s+48\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)$", out, re.M)
    assert sorted(r[0] for r in rows) == ["np", "tinymoe"], out
    assert all(float(x) > 0 for row in rows for x in row[1:])
    (ratio,) = _ratios(out, "ratio")
    assert ratio > 0 and "one busy neighbour process" in out


@pytest.mark.parametrize("suite", ["overhead", "matmul", "train", "moe", "threads"])
def test_every_suite_has_help(capsys, suite):
    with pytest.raises(SystemExit) as exit_info:
        main([suite, "--help"])
    assert exit_info.value.code == 0
    assert "--help" in capsys.readouterr().out


def test_time_calls_counts_only_the_timed_calls():
    calls = []
    times = time_calls(lambda: calls.append(1), repeats=3, warmup=2)
    assert len(calls) == 5 and len(times) == 3 and all(t >= 0 for t in times)


def test_alternate_runs_jobs_in_turn_in_other_processes():
    import os

    results = alternate({"a": (os.getpid, ()), "b": (os.getpid, ())}, rounds=2)
    pids = results["a"] + results["b"]
    assert len(set(pids)) == 4 and os.getpid() not in pids
    with pytest.raises(ValueError, match="rounds"):
        alternate({"a": (os.getpid, ())}, rounds=0)


def test_pooled_median_pools_all_rounds():
    assert pooled_median([[1.0, 9.0], [2.0], [3.0, 8.0]]) == 3.0
