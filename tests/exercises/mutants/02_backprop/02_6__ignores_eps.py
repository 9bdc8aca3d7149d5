"""mutant 02.6: does not pass eps on to numerical_grad."""


def grad_check(loss_fn, params, grads, eps=1e-6):
    report = {}
    for name, value in params.items():
        numeric = numerical_grad(lambda _: loss_fn(params), value)  # noqa: F821
        report[name] = relative_error(grads[name], numeric)  # noqa: F821
    return report
