"""Turn test results into per-exercise grades: a text or HTML table, and Gradescope JSON."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from itertools import groupby

from tinymoe.grading.paths import ID_RE, id_key
from tinymoe.grading.runner import RunResult, TestResult

TODO_NOTE = "not started: replace `raise NotImplementedError(...)` with your code"


@dataclass
class ExerciseResult:
    """The grade of one exercise NN.M: the sum over its tests."""

    exercise_id: str
    title: str
    tests: list[TestResult]
    problem: str | None = None  # what keeps the whole lesson file from being graded

    @property
    def lesson(self) -> str:
        return self.exercise_id.split(".")[0]

    @property
    def possible(self) -> int:
        return sum(t.points or 0 for t in self.tests)

    @property
    def earned(self) -> int:
        return sum(t.points or 0 for t in self.tests if t.outcome == "passed")

    @property
    def status(self) -> str:
        failed = [t for t in self.tests if t.outcome != "passed"]
        if not failed:
            return "PASS"
        if len(failed) == len(self.tests) and all(t.not_implemented for t in failed):
            return "TODO"
        return "PARTIAL" if self.earned else "FAIL"

    @property
    def failed(self) -> list[TestResult]:
        """Failed tests, except those that failed only because of the lesson's problem."""
        return [t for t in self.tests if t.outcome != "passed" and t.message != self.problem]

    @property
    def feedback(self) -> list[str]:
        """One line per failed test (a single note when the exercise is not started); the
        lesson's problem is shown once per lesson, not here."""
        if self.status == "TODO":
            return [TODO_NOTE]
        return [
            f"{t.name}: {'not done yet (NotImplementedError)' if t.not_implemented else t.message}"
            for t in self.failed
        ]


def shorten(text: str, width: int) -> str:
    """`text` shortened to `width` characters at a word boundary, with an ellipsis."""
    if len(text) <= width:
        return text
    head = text[: width - 1]
    head = head[: head.rfind(" ")] if " " in head else head
    return head.rstrip(" ,;:-") + "…"


def _well_marked(test: TestResult) -> bool:
    return (
        isinstance(test.exercise, str)
        and ID_RE.match(test.exercise) is not None
        and isinstance(test.points, int)
        and test.points > 0
    )


@dataclass
class GradeReport:
    """All graded exercises of one run, plus errors that are no single test's fault."""

    exercises: list[ExerciseResult]
    errors: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # lesson NN -> problem

    @classmethod
    def build(cls, run: RunResult, titles: dict[str, str]) -> GradeReport:
        unmarked = [t for t in run.tests if not _well_marked(t)]
        errors = run.errors + [
            f"{t.nodeid}: needs @pytest.mark.exercise('NN.M') and @pytest.mark.points(n)"
            for t in unmarked
        ]
        marked = [t for t in run.tests if t not in unmarked]
        marked.sort(key=lambda t: id_key(t.exercise))
        exercises = [
            ExerciseResult(ex_id, titles.get(ex_id, ""), list(tests),
                           run.problems.get(ex_id.split(".")[0]))
            for ex_id, tests in groupby(marked, key=lambda t: t.exercise)
        ]
        return cls(exercises, errors, dict(run.problems))

    @property
    def earned(self) -> int:
        return sum(e.earned for e in self.exercises)

    @property
    def possible(self) -> int:
        return sum(e.possible for e in self.exercises)

    @property
    def full_marks(self) -> bool:
        return bool(self.exercises) and not self.errors and self.earned == self.possible

    def lessons(self):
        """(lesson 'NN', its exercises) pairs in order."""
        return [(nn, list(group)) for nn, group in groupby(self.exercises, lambda e: e.lesson)]

    def summary(self) -> str:
        done = sum(e.status == "PASS" for e in self.exercises)
        percent = 100 * self.earned / self.possible if self.possible else 0.0
        return (
            f"total {self.earned}/{self.possible} points ({percent:.0f}%), "
            f"{done} of {len(self.exercises)} exercises complete"
        )

    def text(self, verbose: bool = False) -> str:
        """The grade table; `verbose` adds each failure in full under its exercise."""
        lines = []
        for nn, exercises in self.lessons():
            problem = self.problems.get(nn)
            lines.append(f"Lesson {nn}: {problem}" if problem else f"Lesson {nn}")
            for ex in exercises:
                feedback = ex.feedback or [""]
                points = f"{ex.earned}/{ex.possible}"
                lines.append(
                    f"  {ex.exercise_id:<6} {shorten(ex.title, 40):<40} {points:>7}  "
                    f"{ex.status:<7}  {feedback[0]}".rstrip()
                )
                lines += [f"{'':68}{line}" for line in feedback[1:]]
                if verbose:
                    for test in ex.failed:
                        detail = test.detail.strip() or test.message
                        lines += [f"    --- {test.nodeid}", *(f"    | {d}" for d in
                                                               detail.splitlines())]
            earned = sum(e.earned for e in exercises)
            possible = sum(e.possible for e in exercises)
            lines.append(f"  {'lesson ' + nn + ' total':<47} {f'{earned}/{possible}':>7}\n")
        lines += [f"error: {err}" for err in self.errors]
        lines.append(self.summary())
        return "\n".join(lines)

    def html(self) -> str:
        colors = {"PASS": "#1a7f37", "PARTIAL": "#9a6700", "FAIL": "#cf222e", "TODO": "#6e7781"}
        rows = []
        for nn, exercises in self.lessons():
            for ex in exercises:
                feedback = "<br>".join(html.escape(line) for line in ex.feedback)
                rows.append(
                    f"<tr><td>{ex.exercise_id}</td><td>{html.escape(ex.title)}</td>"
                    f"<td>{ex.earned}/{ex.possible}</td>"
                    f"<td style='color:{colors[ex.status]};font-weight:bold'>{ex.status}</td>"
                    f"<td style='text-align:left'>{feedback}</td></tr>"
                )
            earned = sum(e.earned for e in exercises)
            possible = sum(e.possible for e in exercises)
            rows.append(f"<tr><td></td><td><i>lesson {nn} total</i></td>"
                        f"<td><i>{earned}/{possible}</i></td><td></td><td></td></tr>")
        errors = "".join(f"<pre>error: {html.escape(e)}</pre>" for e in self.errors)
        errors += "".join(f"<pre>lesson {nn}: {html.escape(p)}</pre>"
                          for nn, p in self.problems.items())
        return (
            "<table><tr><th>exercise</th><th>title</th><th>points</th><th>status</th>"
            f"<th>feedback</th></tr>{''.join(rows)}</table>{errors}"
            f"<p><b>{html.escape(self.summary())}</b></p>"
        )

    def gradescope(self) -> dict:
        """Gradescope's results.json: one test entry per exercise."""
        tests = [
            {
                "name": f"{ex.exercise_id} {ex.title}".strip(),
                "number": ex.exercise_id,
                "score": ex.earned,
                "max_score": ex.possible,
                "output": "\n".join(ex.feedback) or ex.problem or "all tests passed",
                "visibility": "visible",
            }
            for ex in self.exercises
        ]
        output = "\n".join([*(f"error: {e}" for e in self.errors), self.summary()])
        return {
            "score": self.earned,
            "max_score": self.possible,
            "output": output,
            "visibility": "visible",
            "tests": tests,
        }
