"""alternative 08.3: np.multiply / np.add into fresh arrays."""

import numpy as np


def momentum_step(p, g, buf, lr, momentum=0.9):
    new_buf = np.add(np.multiply(momentum, buf), g)
    new_p = np.subtract(p, np.multiply(lr, new_buf))
    return new_p, new_buf
