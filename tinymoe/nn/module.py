"""``Module``: the base class of every layer (parameter registration, state dicts, repr)."""

from collections import OrderedDict
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from tinymoe.errors import DTypeError
from tinymoe.nn.parameter import Parameter
from tinymoe.tensor import Tensor, zeros

_CALLING: list["Module"] = []  # modules whose __call__ is running, outermost first


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (PyTorch's repr nesting)."""
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class for layers. Assigning a ``Parameter`` or a ``Module`` to an attribute
    registers it; ``named_parameters()`` and ``state_dict()`` use PyTorch's dotted names
    (``"layers.1.bias"``).

    ``aux_loss()`` is the training contract for layers with auxiliary losses (the MoE
    balancing and z-losses): a training step is ``loss = task_loss + model.aux_loss()``.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() has run: "
                f"call super().__init__() first in {type(self).__name__}.__init__"
            )
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif name in self._parameters or name in self._modules:
            kind = "parameter" if name in self._parameters else "submodule"
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to {kind} {name!r}: "
                    f"use a {'Parameter' if kind == 'parameter' else 'Module'} (or None)"
                )
            (self._parameters if kind == "parameter" else self._modules)[name] = None
        elif name in self._buffers:
            self.register_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def _store(self, store: dict, name: str, value) -> None:
        """Put ``name`` in ``store`` and remove it from every other place, so it lives in
        exactly one; re-assigning keeps its position (and so the state-dict order)."""
        self.__dict__.pop(name, None)
        for other in (self._parameters, self._buffers, self._modules):
            if other is not store:
                other.pop(name, None)
        store[name] = value

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: look in the registries.
        for store in ("_parameters", "_buffers", "_modules"):
            registry = self.__dict__.get(store)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or ``None``: a declared but absent parameter, like
        ``Linear(bias=False).bias``) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter({name!r}): expected a Parameter, got {type(param)}"
            )
        self._store(self._parameters, name, param)

    def register_buffer(self, name: str, value: Tensor | np.ndarray | None) -> None:
        """Register non-trainable state that belongs in ``state_dict()`` (e.g. running
        statistics)."""
        if value is not None and not isinstance(value, Tensor | np.ndarray):
            raise TypeError(
                f"register_buffer({name!r}): expected a Tensor or ndarray, got {type(value)}"
            )
        self._store(self._buffers, name, value)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Register a child module under ``name`` (``None`` keeps the slot empty)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module)}")
        self._store(self._modules, name, module)

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(name, module)`` for this module and every descendant, depth first;
        a module reachable by two paths comes once unless ``remove_duplicate=False``."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, store: str, recurse: bool) -> Iterator[tuple[str, object]]:
        seen: set[int] = set()
        modules = self.named_modules() if recurse else [("", self)]
        for module_name, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)``; a parameter shared by two layers comes once."""
        yield from self._named_members("_parameters", recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse):
            yield param

    def named_buffers(self, recurse: bool = True) -> Iterator[tuple[str, Tensor | np.ndarray]]:
        yield from self._named_members("_buffers", recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor | np.ndarray]:
        for _, buf in self.named_buffers(recurse):
            yield buf

    # ------------------------------------------------------------------ modes, grads
    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and all descendants (dropout is active)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to ``None``."""
        for param in self.parameters():
            param.grad = None

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args, **kwargs):
        _CALLING.append(self)
        try:
            return self.forward(*args, **kwargs)
        finally:
            _CALLING.pop()

    def describe(self) -> str:
        """This layer in messages: its type and dotted name in the model being called
        (``"MoE 'block.moe'"``), else its type and ``extra_repr``."""
        root = _CALLING[0] if _CALLING else None
        if root is not None and root is not self:
            for name, module in root.named_modules():
                if module is self:
                    return f"{type(self).__name__} {name!r}"
        return f"{type(self).__name__}({self.extra_repr()})"

    def check_input_dtype(self, x, dtype=None) -> None:
        """The input rule of every layer with parameters (PyTorch's): ``x`` must be a
        Tensor (or a NumPy array), else ``TypeError`` (wrap a list with ``tm.tensor``), and
        have the parameters' floating ``dtype`` (any floating dtype when ``dtype`` is
        None): no silent promotion or casting. Raises ``DTypeError`` naming the layer,
        both dtypes and the fix."""
        if not isinstance(x, Tensor | np.ndarray):
            raise TypeError(
                f"{self.describe()}: input must be a Tensor, got {type(x).__name__}; "
                f"wrap it with tm.tensor(...)"
            )
        got = np.dtype(x.dtype)
        if got == dtype or (dtype is None and np.issubdtype(got, np.floating)):
            return
        want = dtype or np.dtype(np.float32)
        if not np.issubdtype(got, np.floating):
            raise DTypeError(
                f"{self.describe()}: input has a non-floating dtype {got} but the layer "
                f"computes in {want}; cast the input: x.to({want.name})"
            )
        raise DTypeError(
            f"{self.describe()}: input has a floating dtype {got} but the layer's parameters are "
            f"{dtype}; cast the input (x.to({dtype.name})) or the layer "
            f"(layer.to({got.name})) so they match"
        )

    # ------------------------------------------------------------------ auxiliary losses
    def aux_loss(self) -> Tensor:
        """The sum of the coefficient-weighted auxiliary losses (MoE balancing + z-loss)
        of this module and every sub-module, from their last forward: a 0-d Tensor,
        exactly 0 when there are none. Add it to the task loss before ``backward``;
        calling it marks those losses as collected (see ``tinymoe.nn.MoE``)."""
        total = None
        for module in self.modules():
            loss = module.collect_aux_loss()
            if loss is not None:
                total = loss if total is None else total + loss
        return total if total is not None else zeros((), dtype=self.float_dtype())

    def collect_aux_loss(self) -> Tensor | None:
        """This module's own auxiliary loss from its last forward (not its children's),
        marked as collected; None when it has none. Layers with such losses override it."""
        return None

    def float_dtype(self) -> np.dtype:
        """The dtype of the first floating parameter (float32 when there is none): the
        input dtype this module expects."""
        for param in self.parameters():
            if np.issubdtype(param.data.dtype, np.floating):
                return param.data.dtype
        return np.dtype(np.float32)

    # ------------------------------------------------------------------ state
    def _state_items(self) -> Iterator[tuple[str, Tensor | np.ndarray]]:
        """Every parameter and buffer with its dotted name, in PyTorch's order; a shared
        tensor appears under each of its names (as in PyTorch)."""
        for module_name, module in self.named_modules(remove_duplicate=False):
            for store in (module._parameters, module._buffers):
                for name, value in store.items():
                    if value is not None:
                        yield (f"{module_name}.{name}" if module_name else name), value

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """``OrderedDict`` of dotted name -> a copy of each parameter's and buffer's array."""
        return OrderedDict((name, np.array(_array(value))) for name, value in self._state_items())

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters and buffers in place, keeping
        each target's dtype. ``strict``: missing or unexpected keys raise ``KeyError``;
        a shape mismatch always raises ``ValueError`` naming the key and both shapes."""
        targets = OrderedDict(self._state_items())
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict for {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        sources = {key: np.asarray(_array(state_dict[key])) for key in targets if key in state_dict}
        for key, source in sources.items():
            target = _array(targets[key])
            if source.shape != target.shape:
                raise ValueError(
                    f"load_state_dict: shape mismatch for {key!r}: checkpoint has "
                    f"{source.shape}, model has {target.shape}"
                )
            if not np.can_cast(source.dtype, target.dtype, casting="same_kind"):
                raise TypeError(
                    f"load_state_dict: cannot load {key!r} of dtype {source.dtype} "
                    f"into {target.dtype}"
                )
        for key, source in sources.items():
            np.copyto(_array(targets[key]), source, casting="same_kind")
        return IncompatibleKeys(missing, unexpected)

    def to(self, dtype) -> "Module":
        """Cast every floating-point parameter, gradient and buffer to ``dtype`` in place
        (the Parameter objects stay the same, so optimisers keep working)."""
        dtype = np.dtype(dtype)
        for module in self.modules():
            for value in module._parameters.values():
                if value is not None and np.issubdtype(value.data.dtype, np.floating):
                    value.data = value.data.astype(dtype)
                    if value.grad is not None:
                        value.grad = value.grad.astype(dtype)
            for name, value in module._buffers.items():
                if value is None or not np.issubdtype(_array(value).dtype, np.floating):
                    continue
                if isinstance(value, Tensor):
                    value.data = value.data.astype(dtype)
                else:
                    module._buffers[name] = value.astype(dtype)
        return self

    def double(self) -> "Module":
        return self.to(np.float64)

    def float(self) -> "Module":
        return self.to(np.float32)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr`` (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(m), 2)}" for name, m in self._modules.items()]
        body = lines + children
        if not body:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not children:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"


def _array(value: Tensor | np.ndarray) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else value
