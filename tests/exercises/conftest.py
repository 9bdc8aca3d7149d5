"""Graded-exercise fixtures.

`load_exercise("01_neurons")` (or `"01"`) is the implementation under test, provided by the
grading plugin (tinymoe/grading/pytest_plugin.py), which tests/conftest.py registers. Which
implementation: `--submission=DIR`, else `--impl=solutions|exercises|DIR`, else
$TINYMOE_IMPL, else solutions (so a plain `pytest` passes on a fresh clone). Each lesson
module is loaded once per session. See docs/grading.md.
"""
