"""Autograder: stub generation, the pytest plugin, grade/hint/progress/reset.

In a notebook: `from tinymoe.grading import use, check`.
"""

from tinymoe.grading.notebook import check, use

__all__ = ["check", "use"]
