"""mutant 07.3: weight stored as (in_features, out_features) instead of PyTorch's (out, in)."""

import numpy as np

from tinymoe.nn import Parameter
from tinymoe.rng import generator


def _init(self, in_features, out_features, bias=True, init="he", dtype=np.float32):
    super(Linear, self).__init__()  # noqa: F821
    self.in_features, self.out_features = in_features, out_features
    std = init_std(init, in_features, out_features)  # noqa: F821
    self.weight = Parameter(generator().normal(0.0, std, (in_features, out_features)).astype(dtype))
    self.register_parameter("bias", Parameter(np.zeros(out_features, dtype)) if bias else None)


Linear.__init__ = _init  # noqa: F821
