"""MoE layer training step and the grouped-GEMM kernel, each against its baseline.

1. One training step (forward, loss = mean(y^2) + aux, backward, Adam step) of a top-2
   MoE (d_model 256, d_hidden 512, 8 GELU experts, 4096 tokens, Switch aux loss) in
   tinymoe and in a PyTorch MoE written the usual way (ModuleList of experts, a loop
   over experts with index_add_), both starting from the same weights.
2. ``grouped_matmul`` (all experts' segments in one Numba call) against a Python loop
   of ``np.matmul`` per expert, at the layer's size and at a fine-grained size.
Prints milliseconds and the ratios (tinymoe / PyTorch: lower is better, target <= 1.0;
kernel speed-up: higher is better, target >= 1.0)."""

import time

import numpy as np


def add_arguments(parser) -> None:
    parser.add_argument("--tokens", type=int, default=4096)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--d-hidden", type=int, default=512)
    parser.add_argument("--experts", type=int, default=8)
    parser.add_argument("--top-k", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per library")


def _median_ms(step, repeats: int) -> float:
    step()  # warm-up: compiles kernels, allocates optimiser state
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3


def _torch_moe(torch, layer):
    """The usual PyTorch MoE, weights copied from the tinymoe ``layer``."""
    nn, F = torch.nn, torch.nn.functional
    bank = layer.experts
    n_experts, k = layer.n_experts, layer.top_k

    class TorchMoE(nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = nn.Linear(layer.d_model, n_experts, bias=False)
            self.experts = nn.ModuleList(
                nn.Sequential(nn.Linear(*bank.w1.shape[:0:-1]), nn.GELU(),
                              nn.Linear(*bank.w2.shape[:0:-1]))
                for _ in range(n_experts))
            with torch.no_grad():
                self.gate.weight.copy_(torch.from_numpy(layer.router.data))
                for e, expert in enumerate(self.experts):
                    for lin, w, b in ((expert[0], bank.w1, bank.b1), (expert[2], bank.w2, bank.b2)):
                        lin.weight.copy_(torch.from_numpy(w.data[e]))
                        lin.bias.copy_(torch.from_numpy(b.data[e]))

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
            aux = layer.aux_loss_coef * n_experts * (f * probs.mean(dim=0)).sum()
            return y, aux

    return TorchMoE()


def _step_benchmark(args) -> None:
    import tinymoe as tm
    from tinymoe.nn.moe import MoE

    tm.manual_seed(0)
    layer = MoE(args.d_model, args.d_hidden, args.experts, top_k=args.top_k)
    opt = tm.optim.Adam(layer.parameters(), lr=1e-4)
    x_np = np.random.default_rng(0).standard_normal((args.tokens, args.d_model)).astype(np.float32)
    x = tm.tensor(x_np)

    def tinymoe_step():
        opt.zero_grad()
        y = layer(x)
        ((y * y).mean() + layer.aux_loss).backward()
        opt.step()

    print(f"MoE step: {args.tokens} tokens, d_model {args.d_model}, d_hidden {args.d_hidden}, "
          f"{args.experts} experts, top-{args.top_k}, float32")
    try:
        import torch
    except ImportError:
        print(f"tinymoe  {_median_ms(tinymoe_step, args.repeats):8.1f} ms/step; torch not "
              f"installed: no ratio")
        return
    model = _torch_moe(torch, layer)  # copy the weights before tinymoe trains them
    with torch.no_grad():
        ref, _ = model(torch.from_numpy(x_np))
    gap = np.abs(layer(x).data - ref.numpy()).max()
    print(f"same weights, max |y_tinymoe - y_torch| = {gap:.2e}")
    topt = torch.optim.Adam(model.parameters(), lr=1e-4)
    xt = torch.from_numpy(x_np)

    def torch_step():
        topt.zero_grad()
        y, aux = model(xt)
        ((y * y).mean() + aux).backward()
        topt.step()

    ours = _median_ms(tinymoe_step, args.repeats)
    theirs = _median_ms(torch_step, args.repeats)
    print(f"tinymoe  {ours:8.1f} ms/step  (backend {tm.get_backend()}, dispatch fast)")
    print(f"pytorch  {theirs:8.1f} ms/step  (torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads)")
    print(f"ratio tinymoe / pytorch = {ours / theirs:.2f}  (target <= 1.0)")


def _kernel_benchmark(rows: int, d_in: int, d_out: int, experts: int, repeats: int) -> None:
    from tinymoe.kernels.grouped_gemm import grouped_matmul, grouped_matmul_reference

    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, d_in)).astype(np.float32)
    w = rng.standard_normal((experts, d_out, d_in)).astype(np.float32)
    counts = rng.multinomial(rows, np.full(experts, 1 / experts))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    ours = _median_ms(lambda: grouped_matmul(x, w, offsets), repeats)
    loop = _median_ms(lambda: grouped_matmul_reference(x, w, offsets), repeats)
    print(f"grouped GEMM {rows} rows, {experts} experts, ({d_in} -> {d_out}): kernel "
          f"{ours:7.2f} ms, loop of np.matmul {loop:7.2f} ms, speed-up {loop / ours:.2f}x "
          f"(target >= 1.0)")


def run(args) -> None:
    _step_benchmark(args)
    rows = args.tokens * args.top_k
    _kernel_benchmark(rows, args.d_model, args.d_hidden, args.experts, args.repeats)
    _kernel_benchmark(rows, 64, 128, 64, args.repeats)  # fine-grained experts
