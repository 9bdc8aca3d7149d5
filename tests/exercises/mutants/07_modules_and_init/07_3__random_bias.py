"""mutant 07.3: the bias is drawn like the weights instead of starting at zero."""

import numpy as np

from tinymoe.nn import Parameter
from tinymoe.rng import generator


def _init(self, in_features, out_features, bias=True, init="he", dtype=np.float32):
    super(Linear, self).__init__()  # noqa: F821
    self.in_features, self.out_features = in_features, out_features
    std = init_std(init, in_features, out_features)  # noqa: F821
    self.weight = Parameter(generator().normal(0.0, std, (out_features, in_features)).astype(dtype))
    b = Parameter(generator().normal(0.0, std, out_features).astype(dtype)) if bias else None
    self.register_parameter("bias", b)


Linear.__init__ = _init  # noqa: F821
