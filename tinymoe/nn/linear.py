"""``Linear`` (``y = x @ W.T + b``) and ``MLP`` (a Sequential of Linear + activation)."""

import math

import numpy as np

from tinymoe.nn import functional as F
from tinymoe.nn import init
from tinymoe.nn.activation import activation_class
from tinymoe.nn.containers import Sequential
from tinymoe.nn.dropout import Dropout
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter
from tinymoe.nn.sizes import check_size


def empty_parameter(*shape: int, dtype=None) -> Parameter:
    """An uninitialised Parameter of ``shape`` (float32 unless ``dtype`` says otherwise)."""
    return Parameter(np.empty(shape, dtype=np.dtype(dtype or np.float32)))


class Linear(Module):
    """``y = x @ weight.T + bias``: ``(*, in_features) -> (*, out_features)``.

    ``weight`` is ``(out_features, in_features)`` and, like PyTorch, both weight and bias
    start from ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` (``kaiming_uniform_``
    with ``a=sqrt(5)``).

    Sizes may be 0, as in PyTorch: ``Linear(0, 3)`` has an empty ``(3, 0)`` weight, a zero
    bias (there is no fan-in to scale a draw by) and maps ``(N, 0)`` to ``(N, 3)``. A
    negative or non-integer size raises naming ``Linear`` and the argument."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features = check_size("Linear", "in_features", in_features)
        self.out_features = check_size("Linear", "out_features", out_features)
        self.weight = empty_parameter(out_features, in_features, dtype=dtype)
        self.register_parameter(
            "bias", empty_parameter(out_features, dtype=dtype) if bias else None
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        self.check_input_dtype(x, self.weight.dtype)
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class MLP(Sequential):
    """``sizes=[784, 512, 10]`` -> ``Linear(784, 512), act, [Dropout], Linear(512, 10),
    [final_activation]``. ``activation`` is a name (``"relu" "tanh" "sigmoid" "gelu"
    "silu" "leaky_relu"``) or a Module class; the layers are numbered like a PyTorch
    ``nn.Sequential`` (keys ``"0.weight"``, ``"2.weight"`` ...). Sizes are checked like
    ``Linear``'s (integers >= 0; the error names ``sizes[i]``)."""

    def __init__(
        self, sizes, activation="relu", final_activation=None, dropout: float = 0.0, dtype=None
    ):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        sizes = [check_size("MLP", f"sizes[{i}]", n) for i, n in enumerate(sizes)]
        hidden_act = activation_class(activation, "MLP")
        layers: list[Module] = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(fan_in, fan_out, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(hidden_act())
                if dropout > 0:
                    layers.append(Dropout(dropout))
        if final_activation is not None:
            layers.append(activation_class(final_activation, "MLP")())
        super().__init__(*layers)

