"""Activation layers: thin Modules around ``tinymoe.nn.functional``, and ``ACTIVATIONS``,
the one name -> class registry that ``nn.MLP`` and the MoE experts share."""

from tinymoe.nn import functional as F
from tinymoe.nn.module import Module


class ReLU(Module):
    """``max(x, 0)`` elementwise; any shape."""

    def forward(self, x):
        return F.relu(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class SiLU(Module):
    """``x * sigmoid(x)`` (a.k.a. swish)."""

    def forward(self, x):
        return F.silu(x)


class GELU(Module):
    """Gaussian error linear unit; ``approximate="tanh"`` uses the tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class LeakyReLU(Module):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """Softmax along ``dim`` (default: the last one)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


ACTIVATIONS = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "gelu": GELU,
    "silu": SiLU,
    "leaky_relu": LeakyReLU,
    "softmax": Softmax,
}


def activation_class(activation, op: str) -> type[Module]:
    """The Module class for ``activation``: a name in ``ACTIVATIONS`` or a Module class;
    anything else raises ``ValueError`` naming ``op``."""
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]
    raise ValueError(
        f"{op}: unknown activation {activation!r}; use one of {sorted(ACTIVATIONS)} "
        "or a Module class"
    )
