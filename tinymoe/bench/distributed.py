"""Expert + data parallel training on 1, 2, 4 MPI ranks: step time and all-to-all bytes.

Each configuration is ``python -m tinymoe.distributed.demo`` launched with ``mpiexec -n
P`` (``tinymoe.distributed.launch.run_mpi``), the same global batch and model for every
P, in alternating rounds. Printed: the median step time (slowest rank, after 2 warm-up
steps) and its ratio to one rank, the all-to-all bytes per step against the formula
``2 * (assignments routed off-rank) * d_model * bytes`` per forward (the backward moves
as much again), the expert rows each rank processed and the final loss (equal for every
P: the same computation, split differently) and the share of the step spent inside
MPI calls (transfers plus waiting for the slowest rank). On a machine with fewer cores than ranks
the ranks share cores (oversubscription): this measures correctness and communication
volume, not a speed-up.
"""

import json
import os
import statistics
import sys
import tempfile

from tinymoe.distributed.launch import run_mpi


def add_arguments(parser) -> None:
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads-per-rank", type=int, default=1,
                        help="NUMBA_NUM_THREADS of every rank")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per launch")
    parser.add_argument("demo_args", nargs="*",
                        help="passed to the demo after --, e.g. -- --steps 20 --d-model 64")


def _launch(n_ranks: int, args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "summary.json")
        env = dict(os.environ, NUMBA_NUM_THREADS=str(args.threads_per_rank))
        result = run_mpi(n_ranks, ["-m", "tinymoe.distributed.demo", "--json", path,
                                   *args.demo_args], timeout=args.timeout, env=env)
        if result.returncode:
            sys.exit(f"demo on {n_ranks} ranks failed:\n{result.stdout}\n{result.stderr}")
        with open(path) as f:
            return json.load(f)


def run(args) -> None:
    runs = {p: [] for p in args.ranks}
    for _ in range(args.rounds):
        for p in args.ranks:
            runs[p].append(_launch(p, args))
    first = runs[args.ranks[0]][0]
    print(f"{first['experts']} experts, top-{first['top_k']} {first['router']}, d_model "
          f"{first['d_model']}, {first['batch']} tokens per step, {first['dtype']}, "
          f"{len(first['steps'])} steps, {args.threads_per_rank} thread(s) per rank, "
          f"{os.cpu_count()} cores, {args.rounds} round(s)")
    print(f"{'ranks':>5} {'step ms':>8} {'vs 1st':>7} {'in MPI':>6} {'a2a B/step fwd':>15} "
          f"{'bwd':>9} {'formula':>9} {'exact':>5} {'final loss':>10}  expert rows per rank")
    base = None
    for p in args.ranks:
        medians = [statistics.median(s["time_s"] for s in r["steps"][2:]) for r in runs[p]]
        median = statistics.median(medians)
        base = base or median
        steps = [s for r in runs[p] for s in r["steps"]]
        exact = all(s["forward_bytes"] == s["backward_bytes"] == s["formula_bytes"]
                    for s in steps)
        last = runs[p][0]["steps"][-1]
        in_mpi = statistics.median(s["mpi_fraction"] for r in runs[p] for s in r["steps"][2:])
        print(f"{p:>5} {1e3 * median:>8.1f} {median / base:>7.2f} {100 * in_mpi:>5.0f}% "
              f"{statistics.mean(s['forward_bytes'] for s in steps):>15.0f} "
              f"{statistics.mean(s['backward_bytes'] for s in steps):>9.0f} "
              f"{statistics.mean(s['formula_bytes'] for s in steps):>9.0f} {exact!s:>5} "
              f"{last['loss']:>10.6f}  {last['expert_rows']}")
