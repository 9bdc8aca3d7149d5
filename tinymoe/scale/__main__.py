"""``python -m tinymoe.scale MODEL [--tokens N] [--gpus N] [--mfu F] ... [--plot [PATH]]``.

Prints what training MODEL (a name in ``tinymoe.scale.MODELS``) costs on paper: parameters,
FLOPs per token, training FLOPs, GPU-hours, days on the given GPUs, memory per device and
all-to-all bytes per token per MoE layer. ``--plot`` draws total vs active parameters of the
shipped models (MODEL may then be left out).

Example: python -m tinymoe.scale deepseek-v3 --tokens 14.8e12 --gpus 2048 --mfu 0.3
"""

import argparse
import math
import sys

from tinymoe.scale.comm import alltoall_bytes_per_token
from tinymoe.scale.config import MODELS
from tinymoe.scale.flops import flops_per_token, gpu_hours, training_flops
from tinymoe.scale.memory import memory_per_device
from tinymoe.scale.params import count_params

DEFAULT_PLOT = "scale_params.png"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tinymoe.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", help=f"one of: {', '.join(sorted(MODELS))}")
    parser.add_argument("--tokens", type=float, default=1e12, help="training tokens (1e12)")
    parser.add_argument("--gpus", type=int, default=1024, help="devices (1024)")
    parser.add_argument("--mfu", type=float, default=0.4,
                        help="model FLOPs utilisation in (0, 1] (0.4)")
    parser.add_argument("--peak-tflops", type=float, default=989.0,
                        help="peak per device, TFLOP/s (989: H100/H800 dense bf16)")
    parser.add_argument("--seq-len", type=int, default=4096, help="sequence length (4096)")
    parser.add_argument("--pp", type=int, default=1, help="pipeline stages (1)")
    parser.add_argument("--ep", type=int, default=None,
                        help="expert-parallel degree (default: gcd(experts, gpus / pp))")
    parser.add_argument("--zero", type=int, default=1, choices=(0, 1, 2, 3),
                        help="ZeRO stage (1: optimizer state sharded)")
    parser.add_argument("--param-bytes", type=float, default=2,
                        help="bytes per weight, gradient and all-to-all element (2: bf16)")
    parser.add_argument("--plot", nargs="?", const=DEFAULT_PLOT, default=None, metavar="PATH",
                        help=f"save the total-vs-active plot (default path {DEFAULT_PLOT})")
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject bad input with a message naming the option and its value."""
    if args.model is None:
        if args.plot is None:
            parser.error(f"give a model ({', '.join(sorted(MODELS))}) or --plot")
        return
    if args.model not in MODELS:
        parser.error(f"unknown model {args.model!r}; known models: {', '.join(sorted(MODELS))}")
    if not 0 < args.mfu <= 1:
        parser.error(f"--mfu must be in (0, 1], got {args.mfu}")
    if not (args.tokens >= 0 and math.isfinite(args.tokens)):
        parser.error(f"--tokens must be a finite number >= 0, got {args.tokens}")
    for name in ("gpus", "seq_len", "pp"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if not args.peak_tflops > 0 or not args.param_bytes > 0:
        parser.error("--peak-tflops and --param-bytes must be > 0")
    if args.gpus % args.pp:
        parser.error(f"--pp {args.pp} must divide --gpus {args.gpus}")


def _count(n: float) -> str:
    return f"{n / 1e12:.3f}T" if n >= 1e12 else f"{n / 1e9:.2f}B"


def table(args: argparse.Namespace) -> str:
    """The cost table of ``args.model`` as text."""
    cfg = MODELS[args.model]
    dp = args.gpus // args.pp
    ep = args.ep if args.ep is not None else math.gcd(max(cfg.n_routed_experts, 1), dp)
    params = count_params(cfg)
    fwd = flops_per_token(cfg, args.seq_len)
    train = training_flops(cfg, args.tokens, args.seq_len)
    hours = gpu_hours(train, args.peak_tflops * 1e12, args.mfu)
    mem = memory_per_device(cfg, dp=dp, ep=ep, param_bytes=args.param_bytes,
                            grad_bytes=args.param_bytes, pp=args.pp, zero=args.zero)
    a2a = alltoall_bytes_per_token(cfg, args.param_bytes, ep)
    rows = [
        ("parameters, total / active", f"{_count(params.total)} / {_count(params.active)}"),
        (f"forward FLOPs per token (seq {args.seq_len})",
         f"{fwd.total:.3g} (matmul {fwd.matmul:.3g} + attention {fwd.attention:.3g})"),
        (f"training FLOPs ({args.tokens:.3g} tokens, 3x forward)", f"{train:.3g}"),
        (f"GPU-hours (peak {args.peak_tflops:g} TFLOP/s, MFU {args.mfu:g})",
         f"{hours / 1e6:.3f}M"),
        (f"days on {args.gpus} GPUs", f"{hours / args.gpus / 24:.1f}"),
        (f"memory per device (dp {dp}, ep {ep}, pp {args.pp}, ZeRO-{args.zero})",
         f"{mem['total'] / 1e9:.1f} GB = weights {mem['weights'] / 1e9:.1f} + grads "
         f"{mem['gradients'] / 1e9:.1f} + optimizer {mem['optimizer'] / 1e9:.1f} "
         "(no activations)"),
        (f"all-to-all per token per MoE layer (ep {ep}, fwd)",
         f"{a2a / 1e3:.1f} kB ({cfg.n_moe_layers} MoE layers; backward as much again)"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{cfg.name}"] + [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    _check(parser, args)
    if args.model is not None:
        try:
            print(table(args))
        except ValueError as error:  # e.g. an --ep that does not divide the experts
            parser.error(str(error))
    if args.plot is not None:
        from tinymoe.scale.plot import plot_params

        plot_params(path=args.plot)
        print(f"plot saved to {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
