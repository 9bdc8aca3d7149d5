"""`tinymoe drill ...` and `tinymoe flashcards`: draw, check, list and time drills.

  tinymoe drill [--topic T] [--level L] [--seed S]   draw an unsolved drill, start the clock
  tinymoe drill check [SLUG]                         run its hidden tests on your file
  tinymoe drill list [--topic T] [--level L]         the bank, with what you solved
  tinymoe drill stats                                per topic, weakest first
  tinymoe drill mock [--minutes 45] | --finish       three drills of rising difficulty
  tinymoe flashcards [--topic T] [--count N]         spaced-repetition cards
"""

from __future__ import annotations

import random
import statistics
import sys
from pathlib import Path

from tinymoe.drills import core, flashcards, runner, state
from tinymoe.grading.report import shorten


def _solved(records: dict, slug: str) -> bool:
    return records.get(slug, {}).get("solved_s") is not None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _matching(topic: str | None, level: str | None) -> list[core.Drill]:
    if topic and topic not in core.TOPICS:
        raise ValueError(f"unknown topic {topic!r}; topics: {', '.join(sorted(core.TOPICS))}")
    if level and level not in core.LEVELS:
        raise ValueError(f"unknown level {level!r}; levels: {', '.join(core.LEVELS)}")
    return [d for d in core.bank()
            if (not topic or topic in d.topics) and (not level or d.level == level)]


def _hand_out(root: Path, data: dict, drill: core.Drill) -> tuple[Path, bool]:
    """Write the handout to the workspace (keeping an earlier file) and start the clock."""
    path = state.workspace_file(root, drill.slug)
    kept = path.exists()
    if not kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(drill.handout())
    record = data["drills"].setdefault(drill.slug, {"attempts": 0, "solved_s": None})
    record["started"] = state.now()
    return path, kept


def _show(drill: core.Drill, path: Path, kept: bool) -> None:
    kind = "spot the bug" if drill.kind == "spot-the-bug" else "implement"
    print(f"drill {drill.slug} ({drill.level}, {kind}, {', '.join(drill.topics)}): "
          f"budget {drill.minutes} min, the clock is running\n")
    print(drill.statement + "\n")
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    print(f"your file: {shown}" + (" (kept from before)" if kept else ""))
    print(f"when ready: tinymoe drill check   (checks {drill.slug})")


def cmd_draw(args) -> int:
    root = state.workspace_root()
    data = state.load_drills(root)
    candidates = _matching(args.topic, args.level)
    if not candidates:
        print("no drill matches these filters", file=sys.stderr)
        return 2
    unsolved = [d for d in candidates if not _solved(data["drills"], d.slug)]
    if not unsolved:
        print("you have solved every drill matching these filters; drawing one again")
    drill = random.Random(args.seed).choice(unsolved or candidates)
    path, kept = _hand_out(root, data, drill)
    data["current"] = drill.slug
    state.save(root, "drills", data)
    _show(drill, path, kept)
    return 0


def cmd_check(args) -> int:
    root = state.workspace_root()
    data = state.load_drills(root)
    slug = args.slug or data["current"]
    if not slug:
        print("no current drill: draw one with `tinymoe drill`", file=sys.stderr)
        return 2
    drill = core.find(slug)
    path = state.workspace_file(root, slug)
    if not path.exists():
        print(f"no file {path}: draw the drill first (`tinymoe drill`)", file=sys.stderr)
        return 2
    result = runner.run_tests([drill.test_path], str(path), timeout=args.timeout, cwd=root)
    record = data["drills"].setdefault(slug, {"attempts": 0, "solved_s": None})
    record["attempts"] += 1
    taken = state.now() - record.get("started", state.now())
    passed = sum(r.outcome == "passed" for r in result.results)
    if result.passed:
        if record["solved_s"] is None:  # the first solve counts
            record["solved_s"] = taken
        print(f"PASS {slug}: {passed}/{len(result.results)} tests in {_minutes(taken)} "
              f"(budget {drill.minutes} min), attempt {record['attempts']}")
    else:
        print(f"FAIL {slug}: {passed}/{len(result.results)} tests pass; "
              f"{_minutes(taken)} so far (budget {drill.minutes} min), "
              f"attempt {record['attempts']}")
        print(f"  first failure: {result.first_failure()}")
    mock = data["mock"]
    if mock and slug in mock["slugs"]:
        if result.passed:
            mock["solved"].setdefault(slug, state.now() - mock["started"])
        todo = [s for s in mock["slugs"] if s not in mock["solved"]]
        over = state.now() - mock["started"] > 60 * mock["minutes"]
        if not todo or over:
            print("\n" + mock_summary(data))
            data["mock"] = None
        elif result.passed:
            data["current"] = todo[0]
            print(f"next mock drill: {todo[0]} (its file: {state.workspace_file(root, todo[0])})")
    state.save(root, "drills", data)
    return 0 if result.passed else 1


def cmd_list(args) -> int:
    data = state.load_drills(state.workspace_root())
    drills = _matching(args.topic, args.level)
    print(f"{'drill':<24}{'title':<44}{'level':<8}{'min':>4}  {'solved':<7}topics")
    for d in drills:
        solved = "yes" if _solved(data["drills"], d.slug) else "-"
        print(f"{d.slug:<24}{shorten(d.title, 42):<44}{d.level:<8}{d.minutes:>4}  "
              f"{solved:<7}{', '.join(d.topics)}")
    done = sum(_solved(data["drills"], d.slug) for d in drills)
    print(f"{done} of {len(drills)} solved")
    return 0


def topic_stats(drills: list[core.Drill], records: dict) -> list[dict]:
    """Per topic: drills tried and solved, attempts, median solve time / budget; weakest
    first (lowest solved share of the tried drills, then slowest against the budget)."""
    rows = []
    for topic in sorted({t for d in drills for t in d.topics}):
        mine = [(d, records[d.slug]) for d in drills if topic in d.topics and d.slug in records]
        if not mine:
            continue
        ratios = [r["solved_s"] / (60 * d.minutes) for d, r in mine if r.get("solved_s")
                  is not None]
        rows.append({"topic": topic, "tried": len(mine), "solved": len(ratios),
                     "attempts": sum(r["attempts"] for _, r in mine),
                     "median_ratio": statistics.median(ratios) if ratios else None})
    return sorted(rows, key=lambda r: (r["solved"] / r["tried"],
                                       -(r["median_ratio"] or float("inf"))))


def cmd_stats(args) -> int:
    data = state.load_drills(state.workspace_root())
    drills = core.bank()
    rows = topic_stats(drills, data["drills"])
    solved = sum(r.get("solved_s") is not None for r in data["drills"].values())
    attempts = sum(r["attempts"] for r in data["drills"].values())
    print(f"solved {solved} of {len(drills)} drills, {attempts} checks in all")
    if not rows:
        print("no drill tried yet: `tinymoe drill` draws one")
        return 0
    print(f"{'topic (weakest first)':<24}{'solved':>8}{'checks':>8}  median time / budget")
    for r in rows:
        ratio = "-" if r["median_ratio"] is None else f"{r['median_ratio']:.2f}x"
        print(f"{r['topic']:<24}{r['solved']:>4}/{r['tried']:<3}{r['attempts']:>8}  {ratio}")
    return 0


def mock_summary(data: dict) -> str:
    """The end-of-mock report: each drill solved (and when) or not, and the total time."""
    mock = data["mock"]
    elapsed = state.now() - mock["started"]
    solved = mock["solved"]
    lines = [f"mock interview: {len(solved)} of {len(mock['slugs'])} solved, "
             f"{_minutes(elapsed)} used of {mock['minutes']} min"]
    for slug in mock["slugs"]:
        drill = core.find(slug)
        attempts = data["drills"].get(slug, {}).get("attempts", 0)
        done = (f"solved at {_minutes(solved[slug])}" if slug in solved else "not solved")
        lines.append(f"  {drill.level:<7}{slug:<24}{done:<22}(budget {drill.minutes} min, "
                     f"{attempts} checks)")
    return "\n".join(lines)


def pick_mock(drills: list[core.Drill], records: dict, rng: random.Random) -> list[core.Drill]:
    """Three drills of rising difficulty: easy, medium, hard when the bank has them
    (unsolved ones preferred; a missing level is filled from the other levels)."""
    chosen: list[core.Drill] = []
    for level in core.LEVELS:
        pool = [d for d in drills if d not in chosen]
        same = [d for d in pool if d.level == level]
        options = [d for d in same if not _solved(records, d.slug)] or same or pool
        if options:
            chosen.append(rng.choice(options))
    return sorted(chosen, key=lambda d: core.LEVELS.index(d.level))


def cmd_mock(args) -> int:
    root = state.workspace_root()
    data = state.load_drills(root)
    if args.finish:
        if not data["mock"]:
            print("no mock interview running: `tinymoe drill mock` starts one", file=sys.stderr)
            return 2
        print(mock_summary(data))
        data["mock"] = None
        state.save(root, "drills", data)
        return 0
    drills = pick_mock(_matching(args.topic, None), data["drills"], random.Random(args.seed))
    if len(drills) < 3:
        print("not enough drills for a mock interview", file=sys.stderr)
        return 2
    data["mock"] = {"slugs": [d.slug for d in drills], "started": state.now(),
                    "minutes": args.minutes, "solved": {}}
    data["current"] = drills[0].slug
    print(f"mock interview: {len(drills)} drills, {args.minutes} min in all, the clock is "
          "running. Each file starts with its statement.")
    for d in drills:
        path, _ = _hand_out(root, data, d)
        print(f"  {d.level:<7}{d.slug:<24}{shorten(d.title, 40):<42}{path}")
    print("`tinymoe drill check` checks the current one and moves on when it passes; "
          "`tinymoe drill mock --finish` ends the session with its summary")
    state.save(root, "drills", data)
    return 0


def cmd_flashcards(args) -> int:
    return flashcards.review(state.workspace_root(), args.topic, args.count)


def add_parsers(sub) -> None:
    """Add the `drill` and `flashcards` commands to the `tinymoe` parser's subparsers."""
    drill = sub.add_parser("drill", help="interview practice: timed coding drills")
    drill.add_argument("--topic", help="draw only drills with this topic")
    drill.add_argument("--level", help="easy, medium or hard")
    drill.add_argument("--seed", type=int, help="seed the draw (default: the clock)")
    drill.set_defaults(func=cmd_draw)
    actions = drill.add_subparsers(dest="action", metavar="ACTION")

    p = actions.add_parser("check", help="run the hidden tests on your file")
    p.add_argument("slug", nargs="?", help="the drill (default: the current one)")
    p.add_argument("--timeout", type=float, default=runner.DEFAULT_TIMEOUT_S,
                   help=f"seconds before the tests are stopped (default "
                        f"{runner.DEFAULT_TIMEOUT_S:g})")
    p.set_defaults(func=cmd_check)

    p = actions.add_parser("list", help="the drills, with what you solved")
    p.add_argument("--topic")
    p.add_argument("--level")
    p.set_defaults(func=cmd_list)

    p = actions.add_parser("stats", help="solved, checks, median time vs budget per topic")
    p.set_defaults(func=cmd_stats)

    p = actions.add_parser("mock", help="a timed session of three drills")
    p.add_argument("--minutes", type=int, default=45, help="the session's budget")
    p.add_argument("--topic", help="draw only drills with this topic")
    p.add_argument("--seed", type=int, help="seed the draw (default: the clock)")
    p.add_argument("--finish", action="store_true", help="end the session, print the summary")
    p.set_defaults(func=cmd_mock)

    p = sub.add_parser("flashcards", help="interview questions with spaced repetition")
    p.add_argument("--topic", help="only cards of this topic")
    p.add_argument("--count", type=int, default=10, help="cards this session (default 10)")
    p.set_defaults(func=cmd_flashcards)
