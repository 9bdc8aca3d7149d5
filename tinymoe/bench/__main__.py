"""``python -m tinymoe.bench {overhead,matmul,train,moe,threads} [options]``.

Each suite is a module ``tinymoe.bench.<name>`` with ``add_arguments(parser)`` and
``run(args)``; it prints ratios measured side by side in the same run.
"""

import argparse
import importlib
import sys

SUITES = ("overhead", "matmul", "train", "moe", "distributed", "threads", "lm")


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in SUITES:
        print(__doc__.strip(), file=sys.stderr)
        raise SystemExit(0 if argv and argv[0] in ("-h", "--help") else 2)
    suite, rest = argv[0], argv[1:]
    module = importlib.import_module(f"tinymoe.bench.{suite}")
    parser = argparse.ArgumentParser(prog=f"python -m tinymoe.bench {suite}",
                                     description=module.__doc__)
    module.add_arguments(parser)
    module.run(parser.parse_args(rest))


if __name__ == "__main__":
    main()
