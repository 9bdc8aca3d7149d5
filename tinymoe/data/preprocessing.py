"""Feature scaling fitted on the training set only.

Why fit on train only: the statistics (mean, std, min, max) are part of the model. Computing
them on the test set, or on train and test together, lets information about the test inputs
leak into training, so the test score no longer measures performance on unseen data (it is
optimistic, and at deployment there is no "test set" to compute statistics from). Fit the
scaler on ``X_train``, then apply the *same* transform to validation and test data.

Each scaler computes ``(x - shift) / scale`` per feature (``axis=0``) or over the whole array
(``axis=None``). A zero ``scale`` (a constant feature) is replaced by 1, so constant features
map to 0 instead of NaN.
"""

import numpy as np

from tinymoe.data._common import as_numpy


class _Scaler:
    """Base class: subclasses define ``_statistics(x) -> (shift, scale)``."""

    def __init__(self, axis: int | None = 0):
        self.axis = axis
        self.shift_ = self.scale_ = None

    def _statistics(self, x: np.ndarray):
        raise NotImplementedError

    def fit(self, x):
        """Compute the statistics from ``x`` (the training data). Returns ``self``."""
        x = as_numpy(x)
        if x.size == 0:
            raise ValueError(f"{type(self).__name__}.fit: empty input of shape {x.shape}")
        shift, scale = self._statistics(x.astype(np.float64))
        self.shift_ = shift
        self.scale_ = np.where(scale == 0, 1.0, scale)
        return self

    def _check_fitted(self, op: str) -> None:
        if self.scale_ is None:
            raise RuntimeError(f"{type(self).__name__}.{op}: call fit(x_train) first")

    def transform(self, x) -> np.ndarray:
        """Apply the fitted transform; keeps a floating input's dtype (ints become float32)."""
        self._check_fitted("transform")
        x = as_numpy(x)
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
        if self.axis is not None and x.shape[1:] != self.scale_.shape[1:]:
            raise ValueError(
                f"{type(self).__name__}.transform: fitted on rows of shape "
                f"{self.scale_.shape[1:]}, got input of shape {x.shape}"
            )
        return ((x - self.shift_) / self.scale_).astype(dtype)

    def inverse_transform(self, z) -> np.ndarray:
        """Undo ``transform``."""
        self._check_fitted("inverse_transform")
        z = as_numpy(z)
        return (z * self.scale_ + self.shift_).astype(z.dtype)

    def fit_transform(self, x) -> np.ndarray:
        return self.fit(x).transform(x)


class Standardizer(_Scaler):
    """Zero mean, unit (population) standard deviation: ``(x - mean) / std``."""

    def _statistics(self, x):
        return x.mean(axis=self.axis, keepdims=True), x.std(axis=self.axis, keepdims=True)


class MinMaxScaler(_Scaler):
    """Map the training range to ``[0, 1]``: ``(x - min) / (max - min)``."""

    def _statistics(self, x):
        lo = x.min(axis=self.axis, keepdims=True)
        return lo, x.max(axis=self.axis, keepdims=True) - lo


class MaxScaler(_Scaler):
    """Divide by the training maximum: ``x / max(x)`` (seed article 001's preprocessing;
    meant for non-negative data such as pixel intensities)."""

    def _statistics(self, x):
        return 0.0, x.max(axis=self.axis, keepdims=True)


_NORMALIZERS = {"minmax": MinMaxScaler, "max": MaxScaler}


def _fit_apply(scaler: _Scaler, train, others):
    out = (scaler.fit_transform(train), *(scaler.transform(x) for x in others))
    return out if others else out[0]


def standardize(train, *others, axis: int | None = 0):
    """Standardize ``train`` and apply the same (train-fitted) transform to ``others``.
    Returns one array, or a tuple ``(train, *others)`` when others are given."""
    return _fit_apply(Standardizer(axis), train, others)


def normalize(train, *others, method: str = "minmax", axis: int | None = 0):
    """Rescale with statistics fitted on ``train`` only: ``method="minmax"`` maps the training
    range to [0, 1], ``method="max"`` divides by the training maximum (the ``x / max(x)`` of
    seed 001, a blog article on MoE training; see docs/sources.md). Returns like
    ``standardize``."""
    if method not in _NORMALIZERS:
        raise ValueError(f"normalize: method must be one of {sorted(_NORMALIZERS)}, got {method!r}")
    return _fit_apply(_NORMALIZERS[method](axis), train, others)
