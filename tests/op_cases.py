"""One table of differentiable ops, used by the finite-difference and the PyTorch tests.

Each case: a name, input shapes, how to draw inputs (``positive`` keeps them > 0.1),
the tinymoe function and the same function written for torch.
"""

from dataclasses import dataclass, field

import numpy as np

import tinymoe as tm
from tinymoe.nn import functional as F

try:  # the oracle side; only called by tests that requested the ``torch`` fixture
    import torch as T
    import torch.nn.functional as TF
except ImportError:
    T = TF = None


@dataclass
class Case:
    name: str
    shapes: list
    ours: object
    theirs: object
    positive: bool = False
    extra: dict = field(default_factory=dict)


def _idx(*values):
    return np.array(values, dtype=np.int64)


CASES = [
    Case("add_broadcast", [(3, 1, 5), (4, 5)], lambda a, b: a + b, lambda a, b: a + b),
    Case("sub_broadcast", [(4, 5), (5,)], lambda a, b: a - b, lambda a, b: a - b),
    Case("mul_broadcast", [(2, 3, 1), (3, 4)], lambda a, b: a * b, lambda a, b: a * b),
    Case("div", [(3, 4), (3, 4)], lambda a, b: a / b, lambda a, b: a / b, positive=True),
    Case("rdiv_scalar", [(3, 4)], lambda a: 2.0 / a, lambda a: 2.0 / a, positive=True),
    Case("rsub_scalar", [(3, 4)], lambda a: 1.5 - a, lambda a: 1.5 - a),
    Case("pow_scalar", [(3, 4)], lambda a: a**3, lambda a: a**3),
    Case("pow_tensor", [(3, 4), (3, 4)], lambda a, b: a**b, lambda a, b: a**b, positive=True),
    Case("neg", [(3, 4)], lambda a: -a, lambda a: -a),
    Case("matmul_2d", [(3, 4), (4, 5)], lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_1d_2d", [(4,), (4, 5)], lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_2d_1d", [(3, 4), (4,)], lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_1d_1d", [(4,), (4,)], lambda a, b: a @ b, lambda a, b: a @ b),
    Case("matmul_batched_broadcast", [(2, 1, 3, 4), (5, 4, 2)], lambda a, b: a @ b,
         lambda a, b: a @ b),
    Case("matmul_transposed_inputs", [(4, 3), (5, 4)], lambda a, b: a.T @ b.T,
         lambda a, b: a.T @ b.T),
    Case("exp", [(3, 4)], lambda a: a.exp(), lambda a: a.exp()),
    Case("log", [(3, 4)], lambda a: a.log(), lambda a: a.log(), positive=True),
    Case("sqrt", [(3, 4)], lambda a: a.sqrt(), lambda a: a.sqrt(), positive=True),
    Case("abs", [(3, 4)], lambda a: a.abs(), lambda a: a.abs()),
    Case("tanh", [(3, 4)], lambda a: a.tanh(), lambda a: a.tanh()),
    Case("sigmoid", [(3, 4)], lambda a: a.sigmoid(), lambda a: a.sigmoid()),
    Case("relu", [(3, 4)], lambda a: a.relu(), lambda a: a.relu()),
    Case("clip", [(3, 4)], lambda a: a.clip(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5)),
    Case("maximum", [(3, 4), (4,)], lambda a, b: tm.maximum(a, b),
         lambda a, b: a.maximum(b.expand(3, 4))),
    Case("minimum", [(3, 4), (3, 4)], lambda a, b: tm.minimum(a, b),
         lambda a, b: a.minimum(b)),
    Case("where", [(3, 4), (3, 4)], lambda a, b: tm.where(a.data > b.data, a, b * 2),
         lambda a, b: T.where(a > b, a, b * 2)),
    Case("sum_all", [(3, 4)], lambda a: a.sum(), lambda a: a.sum()),
    Case("sum_tuple_keepdim", [(2, 3, 4)], lambda a: a.sum(dim=(0, 2), keepdim=True),
         lambda a: a.sum(dim=(0, 2), keepdim=True)),
    Case("mean_dim", [(2, 3, 4)], lambda a: a.mean(dim=-1), lambda a: a.mean(dim=-1)),
    Case("mean_tuple", [(2, 3, 4)], lambda a: a.mean(dim=(0, 1)), lambda a: a.mean(dim=(0, 1))),
    Case("max_dim", [(3, 5)], lambda a: a.max(dim=1), lambda a: a.amax(dim=1)),
    Case("max_all", [(3, 5)], lambda a: a.max(), lambda a: a.amax()),
    Case("min_tuple", [(2, 3, 4)], lambda a: a.min(dim=(0, 2), keepdim=True),
         lambda a: a.amin(dim=(0, 2), keepdim=True)),
    Case("var_dim", [(3, 5)], lambda a: a.var(dim=1), lambda a: a.var(dim=1)),
    Case("var_all_biased", [(3, 5)], lambda a: a.var(correction=0),
         lambda a: a.var(correction=0)),
    Case("logsumexp", [(3, 5)], lambda a: a.logsumexp(dim=1), lambda a: a.logsumexp(dim=1)),
    Case("reshape", [(3, 4)], lambda a: a.reshape(2, 6) * 2, lambda a: a.reshape(2, 6) * 2),
    Case("flatten", [(2, 3, 4)], lambda a: a.flatten(1), lambda a: a.flatten(1)),
    Case("squeeze_unsqueeze", [(3, 1, 4)], lambda a: a.squeeze(1).unsqueeze(0),
         lambda a: a.squeeze(1).unsqueeze(0)),
    Case("transpose", [(2, 3, 4)], lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2)),
    Case("permute", [(2, 3, 4)], lambda a: a.permute(1, 2, 0), lambda a: a.permute(1, 2, 0)),
    Case("T", [(3, 4)], lambda a: a.T * 1.5, lambda a: a.T * 1.5),
    Case("expand", [(3, 1)], lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4)),
    Case("getitem_slices", [(4, 5, 6)], lambda a: a[1:3, ..., None, ::2],
         lambda a: a[1:3, ..., None, ::2]),
    Case("getitem_int", [(4, 5)], lambda a: a[2], lambda a: a[2]),
    Case("getitem_repeated_indices", [(4, 5)], lambda a: a[_idx(0, 2, 0, 0)],
         lambda a: a[_idx(0, 2, 0, 0)]),
    Case("getitem_two_arrays", [(4, 5)], lambda a: a[_idx(1, 1, 3), _idx(0, 0, 4)],
         lambda a: a[_idx(1, 1, 3), _idx(0, 0, 4)]),
    Case("getitem_bool_mask", [(4, 5)], lambda a: a[a.data > 0],
         lambda a: a[a > 0]),
    Case("cat", [(2, 3), (4, 3)], lambda a, b: tm.cat([a, b, a], dim=0),
         lambda a, b: T.cat([a, b, a], dim=0)),
    Case("stack", [(2, 3), (2, 3)], lambda a, b: tm.stack([a, b], dim=1),
         lambda a, b: T.stack([a, b], dim=1)),
    Case("split", [(7, 3)], lambda a: tm.split(a, 3)[2] * 2 + tm.split(a, 3)[0].sum(),
         lambda a: a.split(3)[2] * 2 + a.split(3)[0].sum()),
    Case("chunk", [(3, 7)], lambda a: a.chunk(3, dim=1)[1],
         lambda a: a.chunk(3, dim=1)[1]),
    Case("gather_repeated", [(3, 4)],
         lambda a: a.gather(1, np.array([[0, 0, 3], [1, 1, 1], [2, 0, 2]])),
         lambda a: a.gather(1, T.tensor([[0, 0, 3], [1, 1, 1], [2, 0, 2]]))),
    Case("scatter_add", [(3, 4), (3, 2)],
         lambda a, s: a.scatter_add(1, np.array([[0, 0], [3, 1], [2, 2]]), s),
         lambda a, s: a.scatter_add(1, T.tensor([[0, 0], [3, 1], [2, 2]]), s)),
    Case("index_add", [(5, 3), (4, 3)],
         lambda a, s: a.index_add(0, np.array([1, 1, 4, 0]), s),
         lambda a, s: a.index_add(0, T.tensor([1, 1, 4, 0]), s)),
    Case("pad", [(2, 3, 4)], lambda a: tm.pad(a, (1, 2, 0, 1), value=0.5),
         lambda a: TF.pad(a, (1, 2, 0, 1), value=0.5)),
    # nn.functional
    Case("F.leaky_relu", [(3, 4)], lambda a: F.leaky_relu(a, 0.1),
         lambda a: TF.leaky_relu(a, 0.1)),
    Case("F.gelu", [(3, 4)], lambda a: F.gelu(a),
         lambda a: TF.gelu(a)),
    Case("F.gelu_tanh", [(3, 4)], lambda a: F.gelu(a, approximate="tanh"),
         lambda a: TF.gelu(a, approximate="tanh")),
    Case("F.silu", [(3, 4)], lambda a: F.silu(a),
         lambda a: TF.silu(a)),
    Case("F.softmax", [(3, 5)], lambda a: F.softmax(a, dim=0),
         lambda a: a.softmax(dim=0)),
    Case("F.log_softmax", [(2, 3, 5)], lambda a: F.log_softmax(a, dim=-1),
         lambda a: a.log_softmax(dim=-1)),
    Case("F.linear", [(2, 3, 4), (5, 4), (5,)], lambda x, w, b: F.linear(x, w, b),
         lambda x, w, b: TF.linear(x, w, b)),
    Case("F.mse_loss", [(3, 4), (3, 4)], lambda a, b: F.mse_loss(a, b),
         lambda a, b: TF.mse_loss(a, b)),
    Case("F.l1_loss_sum", [(3, 4), (3, 4)], lambda a, b: F.l1_loss(a, b, reduction="sum"),
         lambda a, b: TF.l1_loss(a, b, reduction="sum")),
    Case("F.bce_with_logits", [(3, 4), (3, 4)],
         lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
         lambda a, b: TF.binary_cross_entropy_with_logits(
             a, b.sigmoid())),
    Case("F.bce", [(3, 4), (3, 4)],
         lambda a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid(), reduction="none"),
         lambda a, b: TF.binary_cross_entropy(
             a.sigmoid(), b.sigmoid(), reduction="none")),
    Case("F.cross_entropy", [(4, 5)], lambda a: F.cross_entropy(a, _idx(0, 4, 2, 2)),
         lambda a: TF.cross_entropy(
             a, T.tensor([0, 4, 2, 2]))),
    Case("F.cross_entropy_smooth_sum", [(4, 5)],
         lambda a: F.cross_entropy(a, _idx(1, 3, 3, 0), reduction="sum", label_smoothing=0.2),
         lambda a: TF.cross_entropy(
             a, T.tensor([1, 3, 3, 0]), reduction="sum", label_smoothing=0.2)),
    Case("F.cross_entropy_none", [(4, 5)],
         lambda a: F.cross_entropy(a, _idx(1, 3, 3, 0), reduction="none"),
         lambda a: TF.cross_entropy(
             a, T.tensor([1, 3, 3, 0]), reduction="none")),
    Case("F.nll_loss", [(4, 5)], lambda a: F.nll_loss(F.log_softmax(a, 1), _idx(0, 4, 2, 2)),
         lambda a: TF.nll_loss(
             a.log_softmax(1), T.tensor([0, 4, 2, 2]))),
]


def draw(case: Case, rng: np.random.Generator, shapes=None) -> list:
    """Random float64 inputs for ``case`` (positive ones when the op needs them)."""
    arrays = []
    for shape in shapes or case.shapes:
        x = rng.standard_normal(shape)
        if case.positive:
            x = np.abs(x) + 0.5
        arrays.append(x)
    return arrays
