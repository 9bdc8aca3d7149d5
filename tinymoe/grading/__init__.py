"""Autograder: stub generation, the pytest plugin, grade/hint/progress/reset."""
