"""One training step (forward, cross-entropy + balancing loss, backward, AdamW) of the same
MoEGPT in tinymoe and in an eager PyTorch twin on the CPU, from the same initial weights and
batch, each in its own fresh process with the same number of threads. Prints the median ms
per step and the ratio tinymoe / PyTorch (target <= 1.0 for the ``tiny-moe`` config)."""

import os

import numpy as np

import tinymoe as tm
from tinymoe.bench.common import (
    add_rounds_argument,
    alternate,
    has_torch,
    pooled_median,
    process_note,
    round_spread,
    time_calls,
)
from tinymoe.data.text import get_batch, load_text
from tinymoe.models import CONFIGS, GPTConfig, MoEGPT, get_config

LR = 1e-3


def add_arguments(parser) -> None:
    parser.add_argument("--config", default="tiny-moe", choices=sorted(CONFIGS))
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per round")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both Numba and PyTorch (default: the CPU count)")
    add_rounds_argument(parser, default=2)


def _case(name: str, batch_size: int):
    """(config, initial weights, x, y): the same for both contenders (seed 0)."""
    data = load_text()
    config = get_config(name, vocab_size=data.tokenizer.vocab_size)
    tm.manual_seed(0)
    state = MoEGPT(config).state_dict()
    x, y = get_batch(data.train, config.block_size, batch_size, np.random.default_rng(0))
    return config, state, x, y


def tinymoe_step(config: GPTConfig, state, x, y):
    model = MoEGPT(config)
    model.load_state_dict(state)
    opt = tm.optim.AdamW(model.parameters(), lr=LR)

    def step() -> float:
        opt.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_model(config: GPTConfig, state):
    """An eager PyTorch ``nn.Module`` computing what ``MoEGPT(config)`` computes (GPT-2
    blocks; Mixtral-style top-k MoE with the Switch balancing loss, experts run one by one
    on the tokens routed to them), loaded with the tinymoe ``state`` dict."""
    import torch
    from torch import nn

    F = nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
            self.proj = nn.Linear(config.d_model, config.d_model)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = (z.reshape(b, t, config.n_heads, c // config.n_heads).transpose(1, 2)
                       for z in self.qkv(x).split(c, dim=-1))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.proj(y.transpose(1, 2).reshape(b, t, c))

    class Experts(nn.Module):
        def __init__(self):
            super().__init__()
            e, d, h = config.n_experts, config.d_model, config.d_expert
            self.w1, self.b1 = nn.Parameter(torch.empty(e, h, d)), nn.Parameter(torch.empty(e, h))
            self.w2, self.b2 = nn.Parameter(torch.empty(e, d, h)), nn.Parameter(torch.empty(e, d))

        def one(self, h, e):
            return F.linear(F.gelu(F.linear(h, self.w1[e], self.b1[e])), self.w2[e], self.b2[e])

    class MoE(nn.Module):
        def __init__(self):
            super().__init__()
            self.router = nn.Module()
            self.router.weight = nn.Parameter(torch.empty(config.n_experts, config.d_model))
            self.experts = Experts()
            self.aux = None

        def forward(self, x):
            h = x.reshape(-1, x.shape[-1])
            probs = torch.softmax(h @ self.router.weight.T, dim=-1)
            top, idx = probs.topk(config.top_k, dim=-1)
            gate = top / top.sum(dim=-1, keepdim=True) if config.top_k > 1 else top
            y = torch.zeros_like(h)
            for e in range(config.n_experts):
                token, slot = (idx == e).nonzero(as_tuple=True)
                y = y.index_add(0, token, self.experts.one(h[token], e) * gate[token, slot, None])
            f = torch.bincount(idx.flatten(), minlength=config.n_experts).to(h.dtype) / idx.numel()
            self.aux = config.aux_loss_coef * config.n_experts * (f * probs.mean(dim=0)).sum()
            return y.reshape(x.shape)

    class Block(nn.Module):
        def __init__(self, moe: bool):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
            self.attn = Attention()
            self.ffn = MoE() if moe else nn.Sequential(
                nn.Linear(config.d_model, config.dense_width), nn.GELU(),
                nn.Linear(config.dense_width, config.d_model))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.ffn(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
            self.pos_emb = nn.Embedding(config.block_size, config.d_model)
            self.blocks = nn.ModuleList(Block(config.is_moe(i)) for i in range(config.n_layers))
            self.ln_f = nn.LayerNorm(config.d_model)
            self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)

        def forward(self, idx, targets):
            x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            for block in self.blocks:
                if isinstance(block.ffn, MoE):
                    loss = loss + block.ffn.aux
            return logits, loss

    model = GPT()
    model.load_state_dict({key: torch.from_numpy(array) for key, array in state.items()})
    return model


def torch_step(config: GPTConfig, state, x, y):
    import torch

    model = torch_model(config, state)
    opt = torch.optim.AdamW(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        opt.zero_grad()
        _, loss = model(xt, yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _time(name: str, case, steps: int, warmup: int, threads: int | None):
    """(seconds of each timed step, first loss, a description) for ``name``; runs in a
    fresh process that starts only that contender's thread pool."""
    if name == "pytorch":
        import torch

        torch.set_num_threads(threads or os.cpu_count())
        info = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
        step = torch_step(*case)
    else:
        import numba

        import tinymoe.kernels  # noqa: F401  (its configure() picks the threading layer)

        numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
        info = f"tinymoe {tm.__version__}, numba threads {numba.get_num_threads()}"
        step = tinymoe_step(*case)
    first_loss = step()
    return time_calls(step, steps, warmup), first_loss, info


def run(args) -> None:
    case = _case(args.config, args.batch_size)
    config = case[0]
    names = ["tinymoe"] + (["pytorch"] if has_torch() else [])
    jobs = {name: (_time, (name, case, args.steps, args.warmup, args.threads))
            for name in names}
    results = alternate(jobs, args.rounds)
    print(f"{os.cpu_count()} CPUs; {process_note(args.rounds)}")
    model = MoEGPT(config)
    print(f"MoEGPT {args.config}: {config.n_layers} layers, d_model {config.d_model}, "
          f"{len(config.moe_layers)} MoE layers ({config.n_experts} experts, top-{config.top_k}), "
          f"{model.num_params():,} parameters ({model.num_params(active=True):,} active); "
          f"batch {args.batch_size} x {config.block_size} characters, AdamW")
    times = {}
    for name, runs in results.items():
        samples = [run[0] for run in runs]
        times[name] = pooled_median(samples)
        print(f"  {name:<8} {times[name] * 1e3:9.1f} ms per step  "
              f"({round_spread(samples, 1e3)} ms; first loss {runs[0][1]:.4f}; {runs[0][2]})")
    if "pytorch" in times:
        print(f"  ratio tinymoe / pytorch = {times['tinymoe'] / times['pytorch']:.2f}  "
              f"(target <= 1.0)")
    else:
        print("  PyTorch is not installed: no ratio (pip install -e '.[oracle]')")
