"""mutant 02.6: reports the absolute error ||analytic - numerical|| instead of the relative."""

import numpy as np


def grad_check(loss_fn, params, grads, eps=1e-6):
    report = {}
    for name, value in params.items():
        numeric = numerical_grad(lambda _: loss_fn(params), value, eps)  # noqa: F821
        report[name] = float(np.linalg.norm(grads[name] - numeric))
    return report
