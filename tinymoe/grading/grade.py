"""Grade one implementation: run the graded tests, build the report, record progress."""

from __future__ import annotations

import os
from pathlib import Path

from tinymoe.grading import progress
from tinymoe.grading.hints import titles
from tinymoe.grading.paths import repo_root
from tinymoe.grading.report import GradeReport
from tinymoe.grading.runner import DEFAULT_MEMORY_GB, run_tests

DEFAULT_TIMEOUT_S = 60.0


def grade(
    target: str | None = None,
    impl: str | None = None,
    submission: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    root: Path | None = None,
    memory_gb: float = DEFAULT_MEMORY_GB,
) -> GradeReport:
    """Grade `target` (None = everything, 'NN' or 'NN.M').

    The implementation is `submission` if given (untrusted: checked by the submission policy
    and run in a sandbox folder), else `impl`, else $TINYMOE_IMPL, else the learner's
    exercises/. Grades of the learner's own exercises/ go to the progress file.
    """
    root = root or repo_root()
    if not submission:
        impl = impl or os.environ.get("TINYMOE_IMPL") or "exercises"
    run = run_tests(root, impl=impl, submission=submission, target=target, timeout=timeout,
                    memory_gb=memory_gb)
    report = GradeReport.build(run, titles())
    if not submission and impl == "exercises":
        progress.record_grades(root, report.exercises)
    return report
