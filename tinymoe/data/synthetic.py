"""Synthetic data sets for the lessons.

Every generator takes ``n_samples``, ``noise`` (standard deviation of Gaussian noise added to
the inputs, unless stated otherwise) and ``seed`` (an int for a private generator, None for the
global ``tinymoe.rng.generator()``). Inputs are float32; class labels are int64; rows are
shuffled.
"""

import numpy as np

from tinymoe.data._common import get_rng


def _check_n(name: str, n_samples: int, minimum: int) -> None:
    if int(n_samples) != n_samples or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an int >= {minimum}, got {n_samples!r}")


def _class_sizes(n_samples: int, n_classes: int) -> np.ndarray:
    """Split ``n_samples`` into ``n_classes`` sizes differing by at most one."""
    sizes = np.full(n_classes, n_samples // n_classes)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _finish(X, y, noise, rng):
    """Add input noise, shuffle rows, cast to (float32, int64)."""
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def make_moons(n_samples: int = 100, noise: float = 0.0, seed: int | None = None):
    """Two interleaving half circles. Returns ``X (n, 2)``, ``y (n,)`` in {0, 1}."""
    _check_n("make_moons", n_samples, 2)
    rng = get_rng(seed)
    n_out, n_in = _class_sizes(n_samples, 2)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)
    y = np.repeat([0, 1], [n_out, n_in])
    return _finish(np.concatenate([outer, inner]), y, noise, rng)


def make_circles(
    n_samples: int = 100, noise: float = 0.0, factor: float = 0.5, seed: int | None = None
):
    """A circle of radius ``factor`` (class 1) inside one of radius 1 (class 0).
    Returns ``X (n, 2)``, ``y (n,)``."""
    _check_n("make_circles", n_samples, 2)
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    rng = get_rng(seed)
    sizes = _class_sizes(n_samples, 2)
    angles = [np.linspace(0, 2 * np.pi, m, endpoint=False) for m in sizes]
    rings = [r * np.stack([np.cos(t), np.sin(t)], axis=1) for r, t in zip((1.0, factor), angles)]
    return _finish(np.concatenate(rings), np.repeat([0, 1], sizes), noise, rng)


def make_spirals(
    n_samples: int = 300,
    noise: float = 0.0,
    n_classes: int = 3,
    turns: float = 1.0,
    seed: int | None = None,
):
    """``n_classes`` interleaved arms of a spiral (the CS231n toy set), radius 0..1.
    Returns ``X (n, 2)``, ``y (n,)`` in ``[0, n_classes)``."""
    _check_n("make_spirals", n_samples, n_classes)
    rng = get_rng(seed)
    X, y = [], []
    for k, m in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.05, 1.0, m)
        theta = 2 * np.pi * (turns * r + k / n_classes)
        X.append(r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1))
        y.append(np.full(m, k))
    return _finish(np.concatenate(X), np.concatenate(y), noise, rng)


def make_xor(n_samples: int = 200, noise: float = 0.0, seed: int | None = None):
    """Points uniform in ``[-1, 1]^2``; class 1 where exactly one coordinate is positive.
    Labels come from the clean points; noise is added afterwards. Returns ``X (n, 2)``, ``y``."""
    _check_n("make_xor", n_samples, 1)
    rng = get_rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    return _finish(X, (X[:, 0] > 0) ^ (X[:, 1] > 0), noise, rng)


def make_blobs(
    n_samples: int = 300,
    noise: float = 1.0,
    centers=3,
    n_features: int = 2,
    box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
):
    """Isotropic Gaussian blobs. ``noise`` is each blob's standard deviation (scikit-learn's
    ``cluster_std``). ``centers`` is a count (drawn uniformly in ``box``) or a ``(k, d)`` array.
    Returns ``X (n, d)``, ``y (n,)`` in ``[0, k)``."""
    rng = get_rng(seed)
    if np.ndim(centers) == 0:
        centers = rng.uniform(*box, size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(
            f"make_blobs: centers must be an int or a (k, d) array, got shape {centers.shape}"
        )
    _check_n("make_blobs", n_samples, len(centers))
    y = np.repeat(np.arange(len(centers)), _class_sizes(n_samples, len(centers)))
    return _finish(centers[y], y, noise, rng)


# The pieces of make_piecewise_regression: (name, function of m = the row mean of x).
_PIECES = (
    ("linear", lambda m: 1.5 * m + 3.5),
    ("quadratic", lambda m: 2.0 * (m + 0.75) ** 2 - 1.0),
    ("sine", lambda m: np.sin(4.0 * np.pi * m)),
    ("constant", lambda m: np.full_like(m, -0.5)),
)
_BOUNDS = (-3.0, -1.5, 0.0, 1.5, 3.0)


def make_piecewise_regression(
    n_samples: int = 1000,
    noise: float = 0.05,
    n_features: int = 1,
    return_regions: bool = False,
    seed: int | None = None,
):
    """Regression whose target follows a different law in each of four regions, so that
    different experts suit different pieces.

    ``x`` is uniform in ``[-3, 3]^d``; the region is set by ``x[:, 0]`` (edges -1.5, 0, 1.5):
    linear, quadratic, fast sine, constant, each a function of the row mean of ``x`` (just ``x``
    when ``d == 1``). ``noise`` is added to the target here, not to the inputs.
    Returns ``X (n, d)`` float32, ``y (n, 1)`` float32, and with ``return_regions`` the region
    index ``(n,)`` int64.
    """
    _check_n("make_piecewise_regression", n_samples, 1)
    rng = get_rng(seed)
    X = rng.uniform(_BOUNDS[0], _BOUNDS[-1], size=(n_samples, n_features))
    region = np.clip(np.searchsorted(_BOUNDS, X[:, 0], side="right") - 1, 0, len(_PIECES) - 1)
    m = X.mean(axis=1)
    y = np.choose(region, [f(m) for _, f in _PIECES]) + noise * rng.standard_normal(n_samples)
    out = (X.astype(np.float32), y[:, None].astype(np.float32))
    return (*out, region.astype(np.int64)) if return_regions else out


# The rules of make_multitask, applied to the rotated point (u, v); True means class 1.
_TASK_RULES = (
    lambda u, v: u > 0,  # half-plane
    lambda u, v: u * v > 0,  # xor quadrants
    lambda u, v: u**2 + v**2 < 0.6,  # disc
    lambda u, v: np.sin(3.0 * u) > 0,  # stripes
)


def make_multitask(
    n_samples: int = 1200,
    n_tasks: int = 3,
    noise: float = 0.0,
    task_encoding: str = "onehot",
    seed: int | None = None,
):
    """Several binary tasks on the same 2-D points whose labels conflict, so a model must use
    the task id (and a mixture of experts can give each task its own expert).

    Task ``k`` rotates ``x`` (uniform in ``[-1, 1]^2``) by ``k * pi / n_tasks`` and applies rule
    ``k % 4``: half-plane, xor, disc, stripes. Labels come from the clean points.
    ``task_encoding="onehot"`` appends ``n_tasks`` one-hot columns, ``"int"`` one column
    holding the id. Returns ``X (n, 2 + n_tasks)`` or ``(n, 3)`` float32, ``y (n,)`` int64,
    ``task (n,)`` int64.
    """
    _check_n("make_multitask", n_samples, n_tasks)
    if task_encoding not in ("onehot", "int"):
        raise ValueError(
            f"make_multitask: task_encoding must be 'onehot' or 'int', got {task_encoding!r}"
        )
    rng = get_rng(seed)
    task = np.repeat(np.arange(n_tasks), _class_sizes(n_samples, n_tasks))
    x = rng.uniform(-1, 1, size=(n_samples, 2))
    angle = task * np.pi / n_tasks
    u = np.cos(angle) * x[:, 0] - np.sin(angle) * x[:, 1]
    v = np.sin(angle) * x[:, 0] + np.cos(angle) * x[:, 1]
    y = np.zeros(n_samples, dtype=bool)
    for k in range(n_tasks):
        mine = task == k
        y[mine] = _TASK_RULES[k % len(_TASK_RULES)](u[mine], v[mine])
    x = x + noise * rng.standard_normal(x.shape)
    ids = np.eye(n_tasks)[task] if task_encoding == "onehot" else task[:, None]
    order = rng.permutation(n_samples)
    X = np.concatenate([x, ids], axis=1)[order].astype(np.float32)
    return X, y[order].astype(np.int64), task[order].astype(np.int64)
