"""mutant 07.6: counts parameter tensors (len of the list), not scalars."""


def num_parameters(module):
    return len(list(module.parameters()))
