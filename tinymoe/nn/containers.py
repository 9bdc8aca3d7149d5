"""Containers: ``Sequential`` (a chain) and ``ModuleList`` (an indexable list of layers)."""

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from tinymoe.nn.module import Module


class ModuleList(Module):
    """A list of modules registered under the names ``"0"``, ``"1"``, ...; it has no
    ``forward``: the owner decides how to call its layers."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def _key(self, idx: int) -> str:
        """The registry name of the module at position ``idx`` (negative counts back)."""
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"{type(self).__name__}: index {idx} out of range for length {n}")
        return list(self._modules)[idx]

    def __getitem__(self, idx: int | slice):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[self._key(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(self._key(idx), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for module in modules:
            self.append(module)
        return self


class Sequential(ModuleList):
    """Apply layers in order: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))(x)``.
    Also accepts an ``OrderedDict`` of name -> module (those names become the keys)."""

    def __init__(self, *modules: Module) -> None:
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            Module.__init__(self)
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def __getitem__(self, idx: int | slice):
        if isinstance(idx, slice):
            return Sequential(*list(self._modules.values())[idx])
        return super().__getitem__(idx)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x
