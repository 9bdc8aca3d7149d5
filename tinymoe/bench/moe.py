"""MoE layer training step and the grouped-GEMM kernel, each against its baseline.

1. One training step (forward, loss = mean(y^2) + aux, backward, Adam step) of a top-2
   MoE (d_model 256, d_hidden 512, 8 experts with ``--activation`` gelu or relu, 4096
   tokens, Switch aux loss) in tinymoe and in a PyTorch MoE written the usual way
   (ModuleList of experts, a loop over experts with index_add_), both starting from the
   same weights, each timed in its own fresh process (as is each side of 2).
   ``--profile`` then runs tinymoe's step under cProfile (in a fresh process) and prints
   each phase's share of it (``PHASES``).
2. ``grouped_matmul`` (all experts' segments in one Numba call) against a Python loop
   of ``np.matmul`` per expert, at the layer's size and at a fine-grained size.
Prints milliseconds and the ratios (tinymoe / PyTorch: lower is better, target <= 1.0;
kernel speed-up: higher is better, target >= 1.0)."""

import cProfile
import pstats
from functools import partial

import numpy as np

from tinymoe.bench.common import (
    add_rounds_argument,
    alternate,
    has_torch,
    in_fresh_process,
    pooled_median,
    process_note,
    round_spread,
    time_calls,
)


def add_arguments(parser) -> None:
    parser.add_argument("--tokens", type=int, default=4096)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--d-hidden", type=int, default=512)
    parser.add_argument("--experts", type=int, default=8)
    parser.add_argument("--top-k", type=int, default=2)
    parser.add_argument("--activation", choices=("gelu", "relu"), default="gelu",
                        help="the experts' activation, both sides")
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per round")
    parser.add_argument("--profile", action="store_true",
                        help="print each phase's share of tinymoe's step (cProfile)")
    parser.add_argument("--no-kernels", action="store_true",
                        help="skip the grouped-GEMM kernel benchmark (part 2)")
    add_rounds_argument(parser)


def _torch_moe(torch, config: dict, state: dict):
    """The usual PyTorch MoE with the weights of a tinymoe ``MoE`` (``config``: its
    d_model, n_experts, top_k, aux_loss_coef, activation; ``state``: its state dict)."""
    nn, F = torch.nn, torch.nn.functional
    n_experts, k = config["n_experts"], config["top_k"]
    w1, b1, w2, b2 = (state[f"experts.{name}"] for name in ("w1", "b1", "w2", "b2"))
    act = {"gelu": nn.GELU, "relu": nn.ReLU}[config["activation"]]

    class TorchMoE(nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = nn.Linear(config["d_model"], n_experts, bias=False)
            self.experts = nn.ModuleList(
                nn.Sequential(nn.Linear(*w1.shape[:0:-1]), act(), nn.Linear(*w2.shape[:0:-1]))
                for _ in range(n_experts))
            with torch.no_grad():
                self.gate.weight.copy_(torch.from_numpy(state["router.weight"]))
                for e, expert in enumerate(self.experts):
                    for lin, w, b in ((expert[0], w1, b1), (expert[2], w2, b2)):
                        lin.weight.copy_(torch.from_numpy(w[e]))
                        lin.bias.copy_(torch.from_numpy(b[e]))

        def forward(self, x):
            probs = F.softmax(self.gate(x), dim=-1)
            top, idx = probs.topk(k, dim=-1)
            top = top / top.sum(dim=-1, keepdim=True)
            y = torch.zeros_like(x)
            for e, expert in enumerate(self.experts):
                token, slot = (idx == e).nonzero(as_tuple=True)
                if token.numel():
                    y.index_add_(0, token, expert(x[token]) * top[token, slot, None])
            f = torch.bincount(idx.flatten(), minlength=n_experts).to(x.dtype) / idx.numel()
            aux = config["aux_loss_coef"] * n_experts * (f * probs.mean(dim=0)).sum()
            return y, aux

    return TorchMoE()


def _tinymoe_step(config: dict, state: dict, x_np: np.ndarray):
    """(the layer, its output before training, ``step()``) for tinymoe's MoE loaded with
    ``state``; ``step`` is one forward, backward and Adam step."""
    import tinymoe as tm
    from tinymoe.nn.moe import MoE

    layer = MoE(config["d_model"], config["d_hidden"], config["n_experts"],
                top_k=config["top_k"], aux_loss_coef=config["aux_loss_coef"],
                activation=config["activation"])
    layer.load_state_dict(state)
    opt = tm.optim.Adam(layer.parameters(), lr=1e-4)
    x = tm.tensor(x_np)
    with tm.no_grad():
        y0 = layer(x).data

    def step():
        opt.zero_grad()
        y = layer(x)
        ((y * y).mean() + layer.aux_loss()).backward()
        opt.step()

    return layer, y0, step


def _time_tinymoe_step(config: dict, state: dict, x_np: np.ndarray, repeats: int):
    """(seconds per training step, the output before training, a label) for tinymoe's MoE
    loaded with ``state``. Runs in a fresh process."""
    import tinymoe as tm

    layer, y0, step = _tinymoe_step(config, state, x_np)
    label = f"backend {tm.get_backend()}, dispatch {layer.dispatch}"
    return time_calls(step, repeats), y0, label


def _phases():
    """[(phase, function)]: each phase of the step is the time spent inside its functions
    (cProfile's cumulative time; none of them calls another)."""
    from tinymoe import autograd, functions
    from tinymoe.moe import dispatch, experts, routers
    from tinymoe.nn import functional
    from tinymoe.optim.adam import Adam

    table = [("route (router forward)", routers.Router.forward),
             ("dispatch: sort by expert", dispatch.sort_by_expert)]
    for label, cls in [("dispatch: gather rows", getattr(dispatch, "GatherRows", None)),
                       ("expert GEMMs (+ bias, activation)", getattr(experts, "ExpertMLP", None)),
                       ("grouped GEMMs (+ bias)", experts.GroupedLinear),
                       ("activation: GELU", functional._Gelu),
                       ("activation: ReLU", functions.Relu),
                       ("combine (scatter-add)", dispatch.Combine)]:
        if cls is not None:
            table += [(f"{label} forward", cls.forward), (f"{label} backward", cls.backward)]
    return table + [("optimizer (Adam)", Adam.step), ("whole backward", autograd.backward)]


def _profile_tinymoe_step(config: dict, state: dict, x_np: np.ndarray, repeats: int):
    """([(phase, seconds per step)], the step's seconds under cProfile, [(kernel, seconds
    per step, calls per step)]) for ``repeats`` steps of tinymoe's MoE after one warm-up.
    Runs in a fresh process."""
    from tinymoe import backend

    step = _tinymoe_step(config, state, x_np)[2]
    step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, cumtime, callers)
    total = max(v[3] for v in stats.values()) / repeats

    def seconds(fn):
        code = getattr(fn, "__code__", None)
        entry = code and stats.get((code.co_filename, code.co_firstlineno, code.co_name))
        return entry and (entry[3] / repeats, entry[1] // repeats)

    rows = [(label, seconds(fn)[0]) for label, fn in _phases() if seconds(fn)]
    kernels = [(name, *seconds(backend.implementation(name))) for name in backend.DISPATCH
               if seconds(backend.implementation(name))]
    return rows, total, kernels


def _print_profile(rows, total: float, kernels) -> None:
    backward = dict(rows).pop("whole backward", 0.0)
    print(f"\nprofile of tinymoe's step (cProfile, {total * 1e3:.1f} ms/step with its "
          "overhead): share of the step per phase")
    listed = 0.0
    for label, seconds in rows:
        if label == "whole backward":
            continue
        listed += seconds
        print(f"  {label:<46} {seconds * 1e3:8.1f} ms  {100 * seconds / total:5.1f}%")
    in_backward = sum(s for label, s in rows if label.endswith("backward")
                      and label != "whole backward")
    other_backward = backward - in_backward
    print(f"  {'other backward (router, loss, autograd)':<46} {other_backward * 1e3:8.1f} ms  "
          f"{100 * other_backward / total:5.1f}%")
    rest = total - listed - other_backward
    print(f"  {'rest (loss, aux loss, stats, zero_grad)':<46} {rest * 1e3:8.1f} ms  "
          f"{100 * rest / total:5.1f}%")
    print("by kernel (the array-level ops of tinymoe.backend.DISPATCH inside the phases):")
    for name, seconds, calls in sorted(kernels, key=lambda k: -k[1]):
        print(f"  {name:<30} x{calls:<2} {seconds * 1e3:8.1f} ms  {100 * seconds / total:5.1f}%")


def _time_torch_step(config: dict, state: dict, x_np: np.ndarray, repeats: int):
    """As ``_time_tinymoe_step`` for the PyTorch MoE with the same weights."""
    import torch

    model = _torch_moe(torch, config, state)
    xt = torch.from_numpy(x_np)
    with torch.no_grad():
        y0 = model(xt)[0].numpy()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        opt.zero_grad()
        y, aux = model(xt)
        ((y * y).mean() + aux).backward()
        opt.step()

    label = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    return time_calls(step, repeats), y0, label


def _step_benchmark(args) -> None:
    import tinymoe as tm
    from tinymoe.nn.moe import MoE

    tm.manual_seed(0)
    layer = MoE(args.d_model, args.d_hidden, args.experts, top_k=args.top_k,
                activation=args.activation)
    config = {"d_model": args.d_model, "d_hidden": args.d_hidden, "n_experts": args.experts,
              "top_k": layer.top_k, "aux_loss_coef": layer.aux_loss_coef,
              "activation": args.activation}
    x_np = np.random.default_rng(0).standard_normal((args.tokens, args.d_model)).astype(np.float32)
    job_args = (config, layer.state_dict(), x_np, args.repeats)
    jobs = {"tinymoe": (_time_tinymoe_step, job_args)}
    if has_torch():
        jobs["pytorch"] = (_time_torch_step, job_args)
    results = alternate(jobs, args.rounds)
    print(f"MoE step: {args.tokens} tokens, d_model {args.d_model}, d_hidden {args.d_hidden}, "
          f"{args.experts} {args.activation} experts, top-{args.top_k}, float32")
    print(process_note(args.rounds))
    times = {name: [t for t, _, _ in runs] for name, runs in results.items()}
    ms = {name: pooled_median(t) * 1e3 for name, t in times.items()}
    if "pytorch" in ms:
        gap = np.abs(results["tinymoe"][0][1] - results["pytorch"][0][1]).max()
        print(f"same weights, max |y_tinymoe - y_torch| = {gap:.2e}")
    for name, runs in results.items():
        print(f"{name:<8} {ms[name]:8.1f} ms/step  ({runs[0][2]}; "
              f"{round_spread(times[name], 1e3)} ms)")
    if "pytorch" not in ms:
        print("torch not installed: no ratio")
    else:
        print(f"ratio tinymoe / pytorch = {ms['tinymoe'] / ms['pytorch']:.2f}  (target <= 1.0)")
    if args.profile:
        _print_profile(*in_fresh_process(_profile_tinymoe_step, *job_args))


def _time_grouped(kind: str, shapes, repeats: int) -> list:
    """Seconds per call of the grouped GEMM (``kind`` "kernel": ``grouped_matmul``, "loop":
    a loop of ``np.matmul`` per expert) for each (rows, d_in, d_out, experts) in ``shapes``,
    on inputs drawn from seed 0. Runs in a fresh process."""
    from tinymoe import reference
    from tinymoe.kernels.grouped_gemm import grouped_matmul

    fn = {"kernel": grouped_matmul, "loop": reference.grouped_matmul}[kind]
    times = []
    for rows, d_in, d_out, experts in shapes:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((rows, d_in)).astype(np.float32)
        w = rng.standard_normal((experts, d_out, d_in)).astype(np.float32)
        counts = rng.multinomial(rows, np.full(experts, 1 / experts))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        times.append(time_calls(partial(fn, x, w, offsets), repeats))
    return times


def _kernel_benchmark(shapes, repeats: int, rounds: int) -> None:
    results = alternate({kind: (_time_grouped, (kind, shapes, repeats))
                         for kind in ("kernel", "loop")}, rounds)
    for i, (rows, d_in, d_out, experts) in enumerate(shapes):
        times = {kind: [per_shape[i] for per_shape in runs] for kind, runs in results.items()}
        ms = {kind: pooled_median(t) * 1e3 for kind, t in times.items()}
        print(f"grouped GEMM {rows} rows, {experts} experts, ({d_in} -> {d_out}): kernel "
              f"{ms['kernel']:7.2f} ms ({round_spread(times['kernel'], 1e3)}), loop of "
              f"np.matmul {ms['loop']:7.2f} ms ({round_spread(times['loop'], 1e3)}), speed-up "
              f"{ms['loop'] / ms['kernel']:.3g}x (target >= 1.0)")


def run(args) -> None:
    _step_benchmark(args)
    if args.no_kernels:
        return
    rows = args.tokens * args.top_k
    shapes = [(rows, args.d_model, args.d_hidden, args.experts),
              (rows, 64, 128, 64)]  # fine-grained experts
    _kernel_benchmark(shapes, args.repeats, args.rounds)
