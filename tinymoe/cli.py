"""The `tinymoe` command: stubs, grade, hint, progress, reset, drill, flashcards."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tinymoe.drills import cli as drills_cli
from tinymoe.grading import progress, stubs
from tinymoe.grading.grade import DEFAULT_TIMEOUT_S, grade
from tinymoe.grading.hints import load_hints
from tinymoe.grading.paths import id_key, repo_root
from tinymoe.grading.report import shorten
from tinymoe.grading.reset import reset
from tinymoe.grading.runner import DEFAULT_MEMORY_GB


def normalize_target(target: str | None) -> str | None:
    """'1' -> '01', '1.2' -> '01.2'; anything else unchanged (checked later)."""
    if not target:
        return target
    lesson, dot, rest = target.partition(".")
    return (lesson.zfill(2) if lesson.isdigit() else lesson) + dot + rest


def cmd_stubs(args) -> int:
    return stubs.run(check=args.check)


def cmd_grade(args) -> int:
    report = grade(normalize_target(args.target), args.impl, args.submission, args.timeout,
                   memory_gb=args.memory)
    print(report.text(verbose=args.verbose))
    if args.json:
        Path(args.json).write_text(json.dumps(report.gradescope(), indent=1) + "\n")
        print(f"wrote {args.json}")
    return 1 if args.require_full and not report.full_marks else 0


def cmd_hint(args) -> int:
    root = repo_root()
    args.exercise = normalize_target(args.exercise)
    hint = load_hints().get(args.exercise)
    if hint is None:
        print(f"error: no hints for exercise {args.exercise}", file=sys.stderr)
        return 2
    total = len(hint.hints)
    used = progress.hints_used(root, args.exercise)
    if not (args.reset or args.all) and used >= total:
        print(f"{args.exercise} {hint.title}: no more hints (all {total} shown below)")
    level = 0 if args.reset else total if args.all else min(used + 1, total)
    progress.set_hints_used(root, args.exercise, max(level, 0 if args.reset else used))
    if args.reset:
        print(f"hints for {args.exercise} hidden again")
        return 0
    if args.reset or args.all or used < total:
        print(f"{args.exercise} {hint.title}: hint {level} of {total}")
    for n, text in enumerate(hint.hints[:level], 1):
        print(f"  {n}. {text}")
    if level < total:
        print(f"(run `tinymoe hint {args.exercise}` again for the next hint)")
    return 0


def cmd_progress(args) -> int:
    root = repo_root()
    data, hints = progress.load(root), load_hints()
    ids = sorted(set(hints) | set(data["results"]), key=id_key)
    print(f"{'exercise':<9}{'title':<42}{'points':>7}  {'status':<11}hints")
    for exercise_id in ids:
        result = data["results"].get(exercise_id)
        points = f"{result['earned']}/{result['possible']}" if result else "-"
        status = result["status"] if result else "not graded"
        hint = hints.get(exercise_id)
        used = f"{data['hints'].get(exercise_id, 0)}/{len(hint.hints) if hint else 0}"
        title = hint.title if hint else ""
        print(f"{exercise_id:<9}{shorten(title, 40):<42}{points:>7}  {status:<11}{used}")
    results = data["results"].values()
    earned = sum(r["earned"] for r in results)
    possible = sum(r["possible"] for r in results)
    passed = sum(r["status"] == "PASS" for r in results)
    print(f"{passed} of {len(ids)} exercises passed; {earned}/{possible} points graded so far")
    return 0


def cmd_reset(args) -> int:
    print(reset(repo_root(), args.target))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinymoe", description="tinymoe lessons: grade exercises, get hints, track progress."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stubs", help="regenerate exercises/ from solutions/")
    p.add_argument("--check", action="store_true", help="list drifted files, change nothing")
    p.set_defaults(func=cmd_stubs)

    p = sub.add_parser("grade", help="run the graded tests and print a grade table")
    p.add_argument("target", nargs="?", help="lesson NN or exercise NN.M (default: all)")
    p.add_argument("--impl", help="exercises (default), solutions, or a folder")
    p.add_argument("--submission", metavar="DIR", help="grade the NN_topic.py files in DIR")
    p.add_argument("--json", metavar="FILE", help="also write Gradescope results.json here")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                   help=f"seconds per test before it scores 0 (default {DEFAULT_TIMEOUT_S:g})")
    p.add_argument("--memory", type=float, default=DEFAULT_MEMORY_GB, metavar="GB",
                   help=f"memory limit of the test process (default {DEFAULT_MEMORY_GB:g} GB)")
    p.add_argument("-v", "--verbose", action="store_true", help="show each failure in full")
    p.add_argument("--require-full", action="store_true",
                   help="exit 1 unless every test passes (CI)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("hint", help="show the next hint for an exercise")
    p.add_argument("exercise", help="exercise id NN.M")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--all", action="store_true", help="show every hint at once")
    group.add_argument("--reset", action="store_true", help="hide the hints again")
    p.set_defaults(func=cmd_hint)

    p = sub.add_parser("progress", help="which exercises pass, points, hints used")
    p.set_defaults(func=cmd_progress)

    p = sub.add_parser("reset", help="restore an exercise (NN.M) or lesson (NN) to the stub")
    p.add_argument("target", help="exercise NN.M or lesson NN; your file is backed up first")
    p.set_defaults(func=cmd_reset)

    drills_cli.add_parsers(sub)  # drill, flashcards
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
