"""One full training step (forward, cross-entropy, backward, Adam) of an MLP, side by side:
tinymoe (numba and numpy backends) vs PyTorch CPU vs a hand-written NumPy step, all from the
same initial weights and batch, each timed in its own fresh process. Prints the median ms
per step and the ratios tinymoe / PyTorch (targets: <= 1.0 for 784-512-512-10 at batch
128, <= 0.8 for 64-128-128-10 at batch 64) and tinymoe / NumPy. Then trains an MLP on the
shipped digits with ``tinymoe.train.fit`` and prints its test accuracy and training time."""

import cProfile
import os
import pstats
import time

import numpy as np

import tinymoe as tm
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
from tinymoe.data import DataLoader, Standardizer, TensorDataset, load_digits, train_test_split
from tinymoe.nn import functional as F
from tinymoe.train import evaluate, fit

CASES = (((784, 512, 512, 10), 128, 1.0), ((64, 128, 128, 10), 64, 0.8))
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def add_arguments(parser) -> None:
    parser.add_argument("--steps", type=int, default=30,
                        help="timed steps per implementation and round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first, each round")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile tinymoe's step and print the top functions")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both Numba and PyTorch (default: each library's own)")
    parser.add_argument("--no-digits", action="store_true", help="skip the digits training run")
    add_rounds_argument(parser)


class NumpyMLP:
    """A hand-written NumPy ReLU MLP with softmax cross-entropy and Adam (the baseline).
    ``params`` are the arrays ``[W0, b0, W1, b1, ...]`` with ``W`` of shape (out, in)."""

    def __init__(self, params):
        self.params = [np.array(p) for p in params]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One Adam step on the batch ``x`` (N, in), ``y`` (N,); returns the mean loss."""
        weights, biases = self.params[0::2], self.params[1::2]
        acts = [x]  # the input of each layer
        for i, (w, b) in enumerate(zip(weights, biases)):
            z = acts[-1] @ w.T + b
            acts.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
        logits, rows, n = acts.pop(), np.arange(len(y)), len(y)
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        total = probs.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
        grad = probs / total
        grad[rows, y] -= 1
        grad /= n
        grads = []
        for i in reversed(range(len(weights))):
            grads[:0] = [grad.T @ acts[i], grad.sum(axis=0)]
            if i:
                grad = (grad @ weights[i]) * (acts[i] > 0)
        self.t += 1
        (beta1, beta2), t = BETAS, self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= (LR / (1 - beta1**t)) * m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + EPS)
        return loss


def tinymoe_setup(sizes, x: np.ndarray, y: np.ndarray, seed: int = 0, state=None):
    """A tinymoe MLP (initialised from ``seed``, then loaded from the state dict ``state``
    if given), its Adam and a ``step()`` closure on the batch ``(x, y)``."""
    tm.manual_seed(seed)
    model = tm.nn.MLP(sizes)
    if state is not None:
        model.load_state_dict(state)
    opt = tm.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = tm.tensor(x), tm.tensor(y)

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return model, step


def _torch_step(sizes, state, x: np.ndarray, y: np.ndarray):
    """A PyTorch MLP of ``sizes`` holding the weights ``state`` and its step closure on
    ``(x, y)``."""
    import torch

    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1]).float()
    net.load_state_dict({key: torch.from_numpy(array) for key, array in state.items()})
    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _tinymoe_step(backend: str):
    """A step maker ``(sizes, state, x, y) -> step()`` for tinymoe on ``backend``."""

    def make(sizes, state, x, y):
        step = tinymoe_setup(sizes, x, y, state=state)[1]

        def run_step():
            with tm.use_backend(backend):
                return step()

        return run_step

    return make


def _numpy_step(sizes, state, x, y):
    """The hand-written NumPy step from the weights ``state``."""
    mlp = NumpyMLP(list(state.values()))
    return lambda: mlp.step(x, y)


STEP_MAKERS = {"tinymoe[numba]": _tinymoe_step("numba"), "tinymoe[numpy]": _tinymoe_step("numpy"),
               "numpy (hand-written)": _numpy_step, "pytorch": _torch_step}


def _threads_info(name: str, threads: int | None) -> str:
    """Set this process's threads for contender ``name`` (``None``: the library's default)
    and describe them. Only the contender's own runtime is touched (starting Numba's pool
    in the PyTorch process would put two pools in it)."""
    blas = f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    if name == "pytorch":
        import torch

        if threads is not None:
            torch.set_num_threads(threads)
        return f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    if name.startswith("tinymoe"):
        import numba

        import tinymoe.kernels  # noqa: F401  (first: its configure() picks the threading layer)

        if threads is not None:
            numba.set_num_threads(threads)
        return f"tinymoe {tm.__version__}, numba threads {numba.get_num_threads()}, {blas}"
    return blas


def _time_contender(name: str, cases, steps: int, warmup: int, threads: int | None):
    """(seconds of each timed step, one list per case; a description of the threads) for
    contender ``name`` on ``cases`` = [(sizes, state, x, y), ...]. Runs in a fresh process."""
    info = _threads_info(name, threads)
    make = STEP_MAKERS[name]
    return [time_calls(make(*case), steps, warmup) for case in cases], info


def _profile(cases, steps: int) -> None:
    """cProfile tinymoe's numba-backend step on each case; prints the top functions."""
    for case in cases:
        step = STEP_MAKERS["tinymoe[numba]"](*case)
        step()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(steps):
            step()
        profiler.disable()
        print(f"\nprofile of tinymoe[numba], MLP {'-'.join(map(str, case[0]))}")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def _make_case(sizes, batch: int):
    """(sizes, initial weights as a state dict, x, y) from seed 0, the same for everyone."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch).astype(np.int64)
    tm.manual_seed(0)
    return sizes, tm.nn.MLP(sizes).state_dict(), x, y


def _report(sizes, batch: int, target: float, times: dict, spreads: dict, steps: int) -> None:
    print(f"\nMLP {'-'.join(map(str, sizes))}, batch {batch}, Adam: ms per step "
          f"(median of {steps})")
    for name, seconds in times.items():
        print(f"  {name:<22} {seconds * 1e3:8.3f} ms  ({spreads[name]})")
    ours = times["tinymoe[numba]"]
    if "pytorch" in times:
        theirs = times["pytorch"]
        print(f"  ratio tinymoe[numba] / pytorch = {ours / theirs:.2f}  (target <= {target})")
        print(f"  ratio tinymoe[numpy] / pytorch = {times['tinymoe[numpy]'] / theirs:.2f}")
    print(f"  ratio tinymoe[numba] / numpy   = {ours / times['numpy (hand-written)']:.2f}")


def train_digits(seed: int = 0, epochs: int = 30, progress: bool = False) -> dict:
    """The digits recipe: stratified 80/20 split, standardised with train statistics,
    MLP 64-256-10, Adam lr 4e-3 with cosine annealing, batch 32. Returns the test
    ``accuracy``, the training ``seconds`` and the ``history``."""
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed,
                                                        stratify=y)
    scaler = Standardizer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    tm.manual_seed(seed)
    model = tm.nn.MLP([64, 256, 10])
    opt = tm.optim.Adam(model.parameters(), lr=4e-3)
    scheduler = tm.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True, seed=seed)
    start = time.perf_counter()
    history = fit(model, F.cross_entropy, opt, loader, epochs, scheduler=scheduler,
                  progress=progress)
    seconds = time.perf_counter() - start
    test = DataLoader(TensorDataset(X_test, y_test), batch_size=len(X_test))
    accuracy = evaluate(model, test, metrics=["accuracy"])["accuracy"]
    return {"accuracy": accuracy, "seconds": seconds, "history": history}


def _digits() -> tuple:
    """(test accuracy, training seconds) of ``train_digits()`` after a one-epoch warm-up
    that compiles the kernels for its shapes. Runs in a fresh process."""
    train_digits(epochs=1)
    result = train_digits()
    return result["accuracy"], result["seconds"]


def run(args) -> None:
    cases = [_make_case(sizes, batch) for sizes, batch, _ in CASES]
    names = [name for name in STEP_MAKERS if name != "pytorch" or has_torch()]
    jobs = {name: (_time_contender, (name, cases, args.steps, args.warmup, args.threads))
            for name in names}
    results = alternate(jobs, args.rounds)
    print(f"{os.cpu_count()} CPUs; {process_note(args.rounds)}")
    for name, runs in results.items():
        print(f"  {name}: {runs[0][1]}")
    if not has_torch():
        print("torch not installed: no PyTorch ratio (pip install -e '.[oracle]')")
    for i, (sizes, batch, target) in enumerate(CASES):
        runs = {name: [per_case[i] for per_case, _ in rounds] for name, rounds in results.items()}
        times = {name: pooled_median(r) for name, r in runs.items()}
        spreads = {name: round_spread(r, 1e3) for name, r in runs.items()}
        _report(sizes, batch, target, times, spreads, args.steps * args.rounds)
    if args.profile:
        in_fresh_process(_profile, cases, args.steps)
    if not args.no_digits:
        accuracy, seconds = in_fresh_process(_digits)
        print(f"\ndigits: MLP 64-256-10, 30 epochs, fit(): test accuracy {accuracy:.4f} "
              f"in {seconds:.2f} s of training (target >= 0.97)")
