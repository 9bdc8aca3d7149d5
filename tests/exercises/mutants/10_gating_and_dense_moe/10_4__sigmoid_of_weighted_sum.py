"""mutant 10.4: sigmoid of the gate-weighted sum of the experts' pre-activations."""


def sigmoid_mixture(x, thetas, gate_W, gate_b):
    g = softmax_gate(x, gate_W, gate_b)
    return sigmoid((g * (x @ thetas.T)).sum(axis=1))
