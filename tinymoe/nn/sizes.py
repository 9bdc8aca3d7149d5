"""``check_size``: the one check of every layer size argument (features, hidden units,
vocabulary, expert counts), so a bad size fails at the constructor, naming the layer.

Zero is a valid width, as in PyTorch: ``Linear(0, 3)`` has an empty ``(3, 0)`` weight
and maps ``(N, 0)`` inputs to its bias. Sizes the computation needs at least one of
(``MoE``'s ``d_model``, ``n_experts`` and ``top_k``: the router scores features for
experts) pass ``low=1``.
"""

import numbers


def check_size(owner: str, name: str, value, low: int = 0) -> int:
    """``value`` as an ``int`` if it is an integer (Python or NumPy, not bool) ``>= low``;
    else ``TypeError``/``ValueError`` naming ``owner``, the argument and the value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{owner}: {name} must be an integer, got {type(value).__name__} {value!r}"
        )
    if value < low:
        raise ValueError(f"{owner}: {name} must be >= {low}, got {value!r}")
    return int(value)
