"""The UCI optical handwritten digits, shipped with the package (see DIGITS_LICENSE.md)."""

from importlib import resources

import numpy as np


def load_digits(return_images: bool = False):
    """The 1,797 8x8 digit images (pixel values 0..16, not rescaled) and their labels 0..9.

    Returns ``X (1797, 64)`` float32 (rows are the images in row-major order) or, with
    ``return_images=True``, ``images (1797, 8, 8)`` float32; and ``y (1797,)`` int64.
    Data: Alpaydin & Kaynak (1998), UCI ML repository, CC BY 4.0.
    """
    with resources.files("tinymoe.data").joinpath("digits.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as archive:
            images, target = archive["images"], archive["target"]
    X = images.astype(np.float32)
    return (X if return_images else X.reshape(len(X), -1)), target.astype(np.int64)
