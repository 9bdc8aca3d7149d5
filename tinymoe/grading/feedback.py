"""The one line a learner sees for a failed test, and a helper for test authors.

`failure_line(exc)` turns an exception raised in a graded test into one informative line:
the `err_msg` of a failed `np.testing` assertion (whose text starts with an empty line), its
mismatch summary when there is no `err_msg`, or, for an error raised inside the learner's
own code (an IndexError, a broadcasting ValueError ...), which function raised it, with the
shapes of its array arguments, and what that error usually means.

`diagnose(actual, expected, mistakes)` is for test authors: it names a mistake only when the
observed value matches that mistake's prediction, else it returns a generic message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import FrameType, TracebackType

import numpy as np

TIMEOUT_NOTE = "timed out after {:g} s: an infinite loop?"
LEARNER_MODULE_PREFIX = "_tinymoe_"  # tinymoe.grading.loader names lesson modules like this

# np.testing's report: header, err_msg lines, then these detail lines (numpy 1.26 - 2.x)
_DETAIL_RE = re.compile(
    r"^(Mismatched elements|Mismatch at indices|Max (absolute|relative) difference|"
    r"\(shapes |x and y .*mismatch|ACTUAL:|DESIRED:|x:|y:|\[)"
)
_SUMMARY_RE = re.compile(r"^(Mismatched elements|Max absolute difference|\(shapes |x and y )")

# (exception type name, pattern in its message, what it usually means)
_MEANINGS = [
    ("ValueError", "read-only",
     "your function wrote into its input: work on a copy and return a new array"),
    ("ValueError", "could not be broadcast",
     "the shapes do not line up: check transposes, keepdims and the axis you reduce over"),
    ("ValueError", "mismatch in its core dimension",
     "a matrix product with shapes that do not line up: check which operand is transposed"),
    ("ValueError", "truth value of an array",
     "an array was used as True/False (in `if`, `and`, `or`): use np.where or a mask"),
    ("ValueError", "cannot reshape", "the reshape's sizes do not match the array's size"),
    ("IndexError", "", "an index past the end: check loop bounds and which axis you index"),
    ("ZeroDivisionError", "", "a division by zero: handle the empty or all-zero case"),
    ("KeyError", "", "a missing key: check the names you look up"),
    ("RecursionError", "", "the recursion never ends (or goes too deep): use a loop"),
    ("TypeError", "NoneType", "something returned None: is a `return` missing?"),
    ("Failed", "DID NOT RAISE",
     "this input must raise an error: check the input and raise with a clear message"),
    ("AssertionError", "Regex pattern did not match",
     "your function raised the right exception type, but its message does not say what "
     "the exercise asks for"),
]


def _numpy_testing_line(text: str) -> str | None:
    """The informative line of an np.testing failure message, or None if `text` is not one."""
    if not text.startswith("\n"):
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    header, rest = lines[0], lines[1:]
    details = next((i for i, line in enumerate(rest) if _DETAIL_RE.match(line)), len(rest))
    if details > 0:  # the test author's err_msg
        return rest[0]
    summary = [line.rstrip(".") for line in rest if _SUMMARY_RE.match(line)]
    if not summary:  # e.g. assert_equal on scalars: show ACTUAL / DESIRED when short
        summary = [line for line in rest if line.startswith(("ACTUAL:", "DESIRED:"))]
        summary = [line for line in summary if len(line) <= 60]
    return "; ".join([header.rstrip(":"), *summary])


def first_line(text: str) -> str:
    """The first informative line of an assertion message or other error text."""
    text = str(text)
    testing = _numpy_testing_line(text)
    if testing is not None:
        return testing
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else ""


def _learner_frame(tb: TracebackType | None) -> FrameType | None:
    """The innermost traceback frame that runs the learner's lesson module."""
    found = None
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        if name.startswith(LEARNER_MODULE_PREFIX):
            found = tb.tb_frame
        tb = tb.tb_next
    return found


def _argument_shapes(frame: FrameType) -> str:
    code = frame.f_code
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    shapes = [
        f"{name}: {tuple(value.shape)}"
        for name, value in ((n, frame.f_locals.get(n)) for n in names)
        if isinstance(getattr(value, "shape", None), tuple)
    ]
    return f" with {', '.join(shapes)}" if shapes else ""


def meaning(exc: BaseException) -> str:
    """What an error of this kind usually means, or ''."""
    kind, text = type(exc).__name__, str(exc)
    for name, pattern, said in _MEANINGS:
        if kind == name and pattern in text:
            return said
    return ""


def failure_line(exc: BaseException) -> str:
    """One line for the learner about `exc`, raised while running a graded test."""
    kind = type(exc).__name__
    message = first_line(str(exc))
    frame = _learner_frame(exc.__traceback__)
    if isinstance(exc, AssertionError) and frame is None:
        said = meaning(exc)
        return f"{message} ({said})" if said else message
    line = f"{kind}: {message}" if message else kind
    if frame is not None:
        where = f"{frame.f_code.co_name}() line {frame.f_lineno}"
        line = f"{kind} in your {where}{_argument_shapes(frame)}: {message}"
    said = meaning(exc)
    return f"{line} ({said})" if said else line


def diagnose(
    actual,
    expected,
    mistakes: Mapping[str, object] = (),
    generic: str = "values differ from the expected ones",
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> str:
    """The message for a wrong `actual`: the first mistake whose predicted value matches
    `actual` (same shape, allclose with rtol/atol), else `generic` with the largest error.

    mistakes: {message: predicted value}, e.g. {"dW looks transposed": W_grad.T}.
    """
    actual = np.asarray(actual)
    for message, predicted in dict(mistakes).items():
        predicted = np.asarray(predicted)
        if predicted.shape == actual.shape and np.allclose(actual, predicted, rtol, atol):
            return message
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return f"{generic}: shape {actual.shape}, expected {expected.shape}"
    with np.errstate(invalid="ignore"):
        worst = np.nanmax(np.abs(actual.astype(float) - expected.astype(float)), initial=0.0)
    return f"{generic} (largest difference {worst:.3g})"


def close(got, want, rtol: float = 1e-7, atol: float = 0.0) -> bool:
    """Same shape and ``np.allclose``: the test a diagnosis runs before naming a mistake."""
    return np.shape(got) == np.shape(want) and np.allclose(got, want, rtol=rtol, atol=atol)


def assert_close(got, want, rtol: float = 1e-7, atol: float = 0.0, err_msg: str = "") -> None:
    """``np.testing.assert_allclose`` for graded tests: the failure's first line is
    ``err_msg`` with the shapes or the largest difference, not NumPy's generic header."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    try:
        diff = np.abs(np.broadcast_to(got, np.broadcast_shapes(got.shape, want.shape)) - want)
    except ValueError:
        raise AssertionError(f"{err_msg} (shape {got.shape}; expected {want.shape})") from None
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        worst = np.nanmax(diff) if np.isfinite(diff).any() else float("nan")
        raise AssertionError(f"{err_msg} (largest difference {worst:.3g})")
