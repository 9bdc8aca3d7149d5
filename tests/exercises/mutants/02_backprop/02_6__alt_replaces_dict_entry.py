"""alternative 02.6: its own loop, putting perturbed copies into a new dict each time."""

import numpy as np


def grad_check(loss_fn, params, grads, eps=1e-6):
    report = {}
    for name, value in params.items():
        numeric = np.zeros(value.shape)
        for i in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[i] += eps
            down[i] -= eps
            f_up = loss_fn({**params, name: up})
            f_down = loss_fn({**params, name: down})
            numeric[i] = (f_up - f_down) / (2 * eps)
        report[name] = relative_error(grads[name], numeric)  # noqa: F821
    return report
