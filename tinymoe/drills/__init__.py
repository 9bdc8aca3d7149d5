"""Interview practice: a bank of timed coding drills with hidden tests, and flashcards.

- `tinymoe/drills/bank/<slug>.py`: one drill per file, the reference solution. Its module
  docstring is the statement (first line: the title); LEVEL, TOPICS, MINUTES and KIND are
  module constants; `# BEGIN SOLUTION` / `# END SOLUTION` blocks are what the candidate
  writes (docs/drills.md describes the format).
- `tinymoe/drills/tests/test_<slug>.py`: its hidden tests, run on the reference, the
  handout or a candidate's file with `--drill-impl=reference|handout|PATH`.
- `tinymoe/drills/flashcards.toml`: conceptual questions with model answers.
- `tinymoe drill ...` and `tinymoe flashcards` (tinymoe.drills.cli) draw, check and time
  drills and keep the candidate's record under the checkout's `.tinymoe/`.
"""
