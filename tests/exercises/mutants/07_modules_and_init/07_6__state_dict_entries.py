"""mutant 07.6: counts the entries of state_dict(): tied weights appear under two names."""

import numpy as np


def num_parameters(module):
    return int(sum(np.size(v) for v in module.state_dict().values()))
