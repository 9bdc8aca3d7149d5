"""mutant 07.3: the parameters are always float32, whatever `dtype` is passed."""

import numpy as np

from tinymoe.nn import Parameter
from tinymoe.rng import generator


def _init(self, in_features, out_features, bias=True, init="he", dtype=np.float32):
    super(Linear, self).__init__()  # noqa: F821
    self.in_features, self.out_features = in_features, out_features
    std = init_std(init, in_features, out_features)  # noqa: F821
    w = generator().normal(0.0, std, (out_features, in_features))
    self.weight = Parameter(w.astype(np.float32))
    zeros = np.zeros(out_features, np.float32)
    self.register_parameter("bias", Parameter(zeros) if bias else None)


Linear.__init__ = _init  # noqa: F821
