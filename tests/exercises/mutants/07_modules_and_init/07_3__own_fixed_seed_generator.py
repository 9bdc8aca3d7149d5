"""mutant 07.3: draws from its own np.random.default_rng(0), not tinymoe.rng.generator(): every
layer gets the same weights and tm.manual_seed has no effect."""

import numpy as np

from tinymoe.nn import Parameter


def _init(self, in_features, out_features, bias=True, init="he", dtype=np.float32):
    super(Linear, self).__init__()  # noqa: F821
    self.in_features, self.out_features = in_features, out_features
    std = init_std(init, in_features, out_features)  # noqa: F821
    w = np.random.default_rng(0).normal(0.0, std, (out_features, in_features))
    self.weight = Parameter(w.astype(dtype))
    self.register_parameter("bias", Parameter(np.zeros(out_features, dtype)) if bias else None)


Linear.__init__ = _init  # noqa: F821
