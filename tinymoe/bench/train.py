"""One full training step (forward, cross-entropy, backward, Adam) of an MLP, side by side:
tinymoe (numba and numpy backends) vs PyTorch CPU vs a hand-written NumPy step, all from the
same initial weights and batch. Prints the median ms per step and the ratios
tinymoe / PyTorch (targets: <= 1.0 for 784-512-512-10 at batch 128, <= 1.2 for
64-128-128-10 at batch 64) and tinymoe / NumPy. Then trains an MLP on the shipped digits
with ``tinymoe.train.fit`` and prints its test accuracy and training time."""

import cProfile
import os
import pstats
import time

import numpy as np

import tinymoe as tm
from tinymoe.data import DataLoader, Standardizer, TensorDataset, load_digits, train_test_split
from tinymoe.nn import functional as F
from tinymoe.nn import to_torch_state_dict
from tinymoe.train import evaluate, fit

CASES = (((784, 512, 512, 10), 128, 1.0), ((64, 128, 128, 10), 64, 1.2))
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def add_arguments(parser) -> None:
    parser.add_argument("--steps", type=int, default=30, help="timed steps per implementation")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile tinymoe's step and print the top functions")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both Numba and PyTorch (default: each library's own)")
    parser.add_argument("--no-digits", action="store_true", help="skip the digits training run")


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


def tinymoe_setup(sizes, x: np.ndarray, y: np.ndarray, seed: int = 0):
    """A tinymoe MLP, its Adam and a ``step()`` closure on the batch ``(x, y)``."""
    tm.manual_seed(seed)
    model = tm.nn.MLP(sizes)
    opt = tm.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = tm.tensor(x), tm.tensor(y)

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return model, step


def _torch_step(torch, model, x, y):
    """A PyTorch copy of ``model`` (same weights) and its step closure on ``(x, y)``."""
    layers = []
    for module in model:
        is_linear = hasattr(module, "weight")
        layers.append(torch.nn.Linear(module.in_features, module.out_features)
                      if is_linear else torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).float()
    net.load_state_dict(to_torch_state_dict(model))
    opt = torch.optim.Adam(net.parameters(), lr=LR, betas=BETAS, eps=EPS)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step() -> float:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def median_times(steps: dict, repeats: int, warmup: int) -> dict:
    """Median wall time of each ``steps[name]()``; the steps take turns (round-robin) so a
    change in machine load hits them all alike."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def _on_backend(name: str, step):
    def run_step():
        with tm.backend(name):
            return step()

    return run_step


def _profile(step, steps: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def bench_case(sizes, batch: int, target: float, args, torch=None) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch).astype(np.int64)
    print(f"\nMLP {'-'.join(map(str, sizes))}, batch {batch}, Adam: ms per step "
          f"(median of {args.steps})")
    steps = {f"tinymoe[{b}]": _on_backend(b, tinymoe_setup(sizes, x, y)[1])
             for b in ("numba", "numpy")}
    numpy_mlp = NumpyMLP([p.data for p in tinymoe_setup(sizes, x, y)[0].parameters()])
    steps["numpy (hand-written)"] = lambda: numpy_mlp.step(x, y)
    if torch is not None:
        steps["pytorch"] = _torch_step(torch, tinymoe_setup(sizes, x, y)[0], x, y)
    times = median_times(steps, args.steps, args.warmup)
    for name, seconds in times.items():
        print(f"  {name:<22} {seconds * 1e3:8.3f} ms")
    ours = times["tinymoe[numba]"]
    if torch is not None:
        theirs = times["pytorch"]
        print(f"  ratio tinymoe[numba] / pytorch = {ours / theirs:.2f}  (target <= {target})")
        print(f"  ratio tinymoe[numpy] / pytorch = {times['tinymoe[numpy]'] / theirs:.2f}")
    print(f"  ratio tinymoe[numba] / numpy   = {ours / times['numpy (hand-written)']:.2f}")
    if args.profile:
        _profile(_on_backend("numba", tinymoe_setup(sizes, x, y)[1]), args.steps)


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


def run(args) -> None:
    import numba

    try:
        import torch
    except ImportError:
        torch = None
    if args.threads is not None:
        numba.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    print(f"tinymoe {tm.__version__}, {os.cpu_count()} CPUs, numba threads "
          f"{numba.get_num_threads()}, NumPy BLAS threads: OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    if torch is None:
        print("torch not installed: no PyTorch ratio (pip install -e '.[oracle]')")
    else:
        print(f"pytorch {torch.__version__}, threads {torch.get_num_threads()}")
    for sizes, batch, target in CASES:
        bench_case(sizes, batch, target, args, torch)
    if not args.no_digits:
        train_digits(epochs=1)  # warm-up: compiles the kernels for these shapes
        result = train_digits()
        print(f"\ndigits: MLP 64-256-10, 30 epochs, fit(): test accuracy "
              f"{result['accuracy']:.4f} in {result['seconds']:.2f} s of training")
