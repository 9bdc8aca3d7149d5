"""``Parameter``: a Tensor that a Module registers as trainable."""

from tinymoe.tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` by default; assigning one to a Module
    attribute registers it in ``parameters()`` and ``state_dict()``. ``data`` is used as
    is (an ndarray is not copied)."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
