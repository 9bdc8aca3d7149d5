"""``LSTM``: one layer, unrolled over time from differentiable ops (PyTorch's layout)."""

import math

import numpy as np

import tinymoe
from tinymoe.errors import ShapeError, fmt
from tinymoe.nn import functional as F
from tinymoe.nn import init
from tinymoe.nn.module import Module
from tinymoe.nn.parameter import Parameter
from tinymoe.nn.sizes import check_size


class LSTM(Module):
    """One-layer LSTM with PyTorch's weights (``weight_ih_l0 (4H, I)``, ``weight_hh_l0
    (4H, H)``, ``bias_ih_l0``, ``bias_hh_l0 (4H,)``, gates stacked in the order input,
    forget, cell, output) and PyTorch's init ``U(-1/sqrt(H), 1/sqrt(H))``.

    ``forward(x, (h0, c0)=None)``: ``x`` is ``(B, T, I)`` (``(T, B, I)`` when
    ``batch_first=False``); returns ``output (B, T, H)`` and ``(h_n, c_n)``, each
    ``(1, B, H)``. Per step::

        i, f, g, o = split(x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g);   h = sigmoid(o) * tanh(c)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        batch_first: bool = True,
        dtype=None,
    ) -> None:
        super().__init__()
        self.input_size = input_size = check_size("LSTM", "input_size", input_size)
        self.hidden_size = hidden_size = check_size("LSTM", "hidden_size", hidden_size)
        self.batch_first = batch_first
        dtype = np.dtype(dtype or np.float32)
        gates = 4 * hidden_size
        self.weight_ih_l0 = Parameter(np.empty((gates, input_size), dtype=dtype))
        self.weight_hh_l0 = Parameter(np.empty((gates, hidden_size), dtype=dtype))
        for name in ("bias_ih_l0", "bias_hh_l0"):
            self.register_parameter(name, Parameter(np.empty(gates, dtype=dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size else 0.0  # H=0: empty
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def forward(self, x, hx=None):
        self.check_input_dtype(x, self.weight_ih_l0.dtype)
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            layout = "(B, T, I)" if self.batch_first else "(T, B, I)"
            raise ShapeError(
                f"LSTM: expected input {layout} with I={self.input_size}, got {fmt(x.shape)}"
            )
        if not self.batch_first:
            x = x.transpose(0, 1)
        batch, steps, hidden = x.shape[0], x.shape[1], self.hidden_size
        h, c = self._initial_state(hx, batch, x.dtype)
        bias = None
        if self.bias_ih_l0 is not None:
            bias = self.bias_ih_l0 + self.bias_hh_l0
        x_gates = F.linear(x, self.weight_ih_l0, bias)  # (B, T, 4H), all steps at once
        outputs = []
        for t in range(steps):
            gates = x_gates[:, t] + h @ self.weight_hh_l0.T  # (B, 4H)
            i = gates[:, :hidden].sigmoid()
            f = gates[:, hidden : 2 * hidden].sigmoid()
            g = gates[:, 2 * hidden : 3 * hidden].tanh()
            o = gates[:, 3 * hidden :].sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            outputs.append(h)
        output = tinymoe.stack(outputs, dim=1)  # (B, T, H)
        if not self.batch_first:
            output = output.transpose(0, 1)
        return output, (h.unsqueeze(0), c.unsqueeze(0))

    def _initial_state(self, hx, batch: int, dtype):
        """``(h0, c0)`` as ``(B, H)`` tensors; zeros when ``hx`` is None."""
        if hx is None:
            zeros = tinymoe.zeros((batch, self.hidden_size), dtype=dtype)
            return zeros, zeros
        expected = (1, batch, self.hidden_size)
        for name, state in zip(("h0", "c0"), hx):
            if tuple(state.shape) != expected:
                raise ShapeError(f"LSTM: {name} must be {fmt(expected)}, got {fmt(state.shape)}")
        return hx[0][0], hx[1][0]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias_ih_l0 is None:
            text += ", bias=False"
        return text + (", batch_first=True" if self.batch_first else "")
