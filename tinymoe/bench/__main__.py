"""``python -m tinymoe.bench {overhead,matmul,train,moe} [options]``.

Each subcommand is a module ``tinymoe.bench.<name>`` with ``add_arguments(parser)``
and ``run(args)``; it prints ratios measured side by side in the same run.
"""

import argparse
import importlib

SUITES = ("overhead", "matmul", "train", "moe")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tinymoe.bench", description=__doc__)
    commands = parser.add_subparsers(dest="suite", required=True)
    for name in SUITES:
        module = importlib.import_module(f"tinymoe.bench.{name}")
        sub = commands.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
