"""Multi-task models: a shared bottom, and the Multi-gate Mixture-of-Experts (MMoE).

MMoE (Ma, Zhao, Yi, Chen, Hong and Chi, KDD 2018, "Modeling Task Relationships in
Multi-task Learning with Multi-gate Mixture-of-Experts"): ``E`` experts shared by all
tasks, and for every task ``k`` its own softmax gate over the experts and its own tower::

    f_e(x) = relu(x W_e^T + b_e)                       expert e, (B, d_expert)
    g_k(x) = softmax(x G_k^T + c_k)                    gate of task k, (B, E), rows sum to 1
    y_k    = tower_k( sum_e g_k(x)[:, e] f_e(x) )      task k's output, (B, n_outputs[k])

Each task mixes the shared experts in its own proportions, so tasks that conflict can use
different experts while related tasks share them. ``shared_gate=True`` gives every task
the same gate (OMoE, the one-gate baseline of the paper); ``SharedBottom`` replaces the
experts and gates by one network that every task reads (the classic hard sharing).
Every gate is dense (all experts run on every input), as in the paper.
"""

import numpy as np

import tinymoe
from tinymoe.errors import ShapeError, fmt
from tinymoe.nn import functional as F
from tinymoe.nn.activation import ReLU
from tinymoe.nn.containers import ModuleList, Sequential
from tinymoe.nn.linear import Linear
from tinymoe.nn.module import Module
from tinymoe.nn.sizes import check_size


def _outputs_per_task(owner: str, n_tasks: int, n_outputs) -> list[int]:
    """``n_outputs`` as one size per task (an int is used for every task)."""
    sizes = [n_outputs] * n_tasks if isinstance(n_outputs, int) else list(n_outputs)
    if len(sizes) != n_tasks:
        raise ValueError(f"{owner}: n_outputs has {len(sizes)} entries for {n_tasks} tasks")
    return [check_size(owner, "n_outputs", n, low=1) for n in sizes]


def _towers(d_in: int, d_tower: int, sizes: list[int], dtype) -> ModuleList:
    """One ``Linear-ReLU-Linear`` tower per task."""
    return ModuleList([Sequential(Linear(d_in, d_tower, dtype=dtype), ReLU(),
                                  Linear(d_tower, n, dtype=dtype)) for n in sizes])


def _check_input(owner: str, x, d_in: int) -> None:
    if x.ndim != 2 or x.shape[1] != d_in:
        raise ShapeError(f"{owner}: expected input (B, {d_in}), got {fmt(x.shape)}")


class MMoE(Module):
    """Multi-gate Mixture-of-Experts; see the module docstring for the equations.

    d_in: input features D; d_expert: each expert's output width H; n_experts: E;
    n_tasks: K; d_tower: hidden width of each task's tower; n_outputs: each task's output
    size (an int for all tasks, or one per task); shared_gate: one gate for all tasks
    (OMoE) instead of one per task; dtype: float32 (default) or float64.

    Parameters: ``experts[e]`` is ``Linear(D, H)`` (weight (H, D)), ``gates[k]`` is
    ``Linear(D, E)`` (one entry when ``shared_gate``), ``towers[k]`` a small MLP.
    ``forward(x)`` with x (B, D) returns the list of the K task outputs (B, n_outputs[k]);
    ``gate_probs(x)`` the (K, B, E) NumPy array of gate weights (for plots; no graph).
    """

    def __init__(self, d_in: int, d_expert: int, n_experts: int, n_tasks: int,
                 d_tower: int = 16, n_outputs=1, shared_gate: bool = False, dtype=None):
        super().__init__()
        self.d_in = check_size("MMoE", "d_in", d_in, low=1)
        self.d_expert = check_size("MMoE", "d_expert", d_expert, low=1)
        self.n_experts = check_size("MMoE", "n_experts", n_experts, low=1)
        self.n_tasks = check_size("MMoE", "n_tasks", n_tasks, low=1)
        self.shared_gate = bool(shared_gate)
        sizes = _outputs_per_task("MMoE", self.n_tasks, n_outputs)
        self.experts = ModuleList([Linear(d_in, d_expert, dtype=dtype) for _ in range(n_experts)])
        n_gates = 1 if self.shared_gate else self.n_tasks
        self.gates = ModuleList([Linear(d_in, n_experts, dtype=dtype) for _ in range(n_gates)])
        self.towers = _towers(d_expert, d_tower, sizes, dtype)

    def _gate(self, k: int) -> Linear:
        return self.gates[0 if self.shared_gate else k]

    def mixtures(self, x):
        """The K per-task mixtures ``sum_e g_k[:, e] f_e(x)``, each a (B, H) Tensor, and the
        gates, a list of K (B, E) Tensors."""
        self.check_input_dtype(x, self.experts[0].weight.dtype)
        _check_input("MMoE", x, self.d_in)
        experts = tinymoe.stack([F.relu(f(x)) for f in self.experts], dim=1)  # (B, E, H)
        gates = [F.softmax(self._gate(k)(x), dim=-1) for k in range(self.n_tasks)]  # (B, E)
        mixed = [(g.unsqueeze(-1) * experts).sum(dim=1) for g in gates]  # (B, H) each
        return mixed, gates

    def forward(self, x):
        mixed, _ = self.mixtures(x)
        return [tower(h) for tower, h in zip(self.towers, mixed)]

    def gate_probs(self, x) -> np.ndarray:
        """(K, B, E) gate weights of every task for the inputs x (computed without a graph)."""
        with tinymoe.no_grad():
            _, gates = self.mixtures(x)
        return np.stack([g.data for g in gates])

    def extra_repr(self) -> str:
        return (f"d_in={self.d_in}, d_expert={self.d_expert}, n_experts={self.n_experts}, "
                f"n_tasks={self.n_tasks}" + (", shared_gate=True" if self.shared_gate else ""))


class SharedBottom(Module):
    """The hard-sharing baseline: one ``Linear-ReLU`` bottom of width d_hidden read by every
    task's tower. ``forward(x)`` with x (B, D) returns the list of K outputs, like MMoE."""

    def __init__(self, d_in: int, d_hidden: int, n_tasks: int, d_tower: int = 16,
                 n_outputs=1, dtype=None):
        super().__init__()
        self.d_in = check_size("SharedBottom", "d_in", d_in, low=1)
        self.n_tasks = check_size("SharedBottom", "n_tasks", n_tasks, low=1)
        sizes = _outputs_per_task("SharedBottom", self.n_tasks, n_outputs)
        self.bottom = Linear(d_in, d_hidden, dtype=dtype)
        self.towers = _towers(d_hidden, d_tower, sizes, dtype)

    def forward(self, x):
        self.check_input_dtype(x, self.bottom.weight.dtype)
        _check_input("SharedBottom", x, self.d_in)
        h = F.relu(self.bottom(x))
        return [tower(h) for tower in self.towers]
