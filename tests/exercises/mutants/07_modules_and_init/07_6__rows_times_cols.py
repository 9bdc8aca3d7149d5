"""mutant 07.6: counts shape[0] * shape[-1] per parameter: a bias (n,) counts n * n."""


def num_parameters(module):
    return sum(p.shape[0] * p.shape[-1] for p in module.parameters())
