"""Learning with MoE on the piecewise regression task (fixed seeds, small, a few seconds)."""

import numpy as np
import pytest

import tinymoe as tm
from tinymoe import nn
from tinymoe.data import make_piecewise_regression
from tinymoe.nn import functional as F
from tinymoe.nn.moe import MoE

D_MODEL, D_HIDDEN, N_EXPERTS, STEPS = 8, 16, 4, 800


class Net(nn.Module):
    """Linear(1, D) -> block -> Linear(D, 1)."""

    def __init__(self, block):
        super().__init__()
        self.inp, self.block, self.out = nn.Linear(1, D_MODEL), block, nn.Linear(D_MODEL, 1)

    def forward(self, x):
        return self.out(self.block(self.inp(x)))


def _moe(aux_loss_coef):
    return MoE(D_MODEL, D_HIDDEN, N_EXPERTS, router="switch", aux_loss_coef=aux_loss_coef)


@pytest.fixture(scope="module")
def data():
    train = make_piecewise_regression(512, noise=0.05, seed=0)
    test = make_piecewise_regression(512, noise=0.0, seed=1)
    return [tuple(tm.tensor(a) for a in pair) for pair in (train, test)]


def _train(net, data, moe=None):
    """Full-batch Adam; returns (test MSE, busiest-expert load ratio per step)."""
    (x, y), (x_test, y_test) = data
    opt = tm.optim.Adam(net.parameters(), lr=0.01)
    ratios = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        if moe is not None:
            loss = loss + net.aux_loss()
            ratios.append(moe.stats.max_load_ratio)
        loss.backward()
        opt.step()
    net.eval()
    with tm.no_grad():
        test_loss = F.mse_loss(net(x_test), y_test).item()
    return test_loss, np.array(ratios)


def _active_parameters(moe):
    """Router + one expert: what one token's forward pass uses."""
    per_expert = sum(p.data.size for p in moe.experts.parameters()) // moe.n_experts
    return moe.router.weight.data.size + per_expert


def test_top1_moe_beats_a_dense_mlp_with_the_same_active_parameters(data):
    tm.manual_seed(0)
    moe = _moe(aux_loss_coef=0.01)
    moe_loss, _ = _train(Net(moe), data, moe)
    tm.manual_seed(0)
    dense_hidden = 18  # 2*8*18 + 18 + 8 = 314 >= 32 (router) + 280 (one expert) = 312
    dense = nn.MLP([D_MODEL, dense_hidden, D_MODEL], activation="gelu")
    assert sum(p.data.size for p in dense.parameters()) >= _active_parameters(moe)
    dense_loss, _ = _train(Net(dense), data)
    assert moe_loss < dense_loss, (moe_loss, dense_loss)


def test_collapse_without_balancing_loss_is_reported_in_stats(data):
    tm.manual_seed(0)
    moe = _moe(aux_loss_coef=0.0)
    _train(Net(moe), data, moe)
    assert moe.stats.dead_experts >= 1  # an expert no token is routed to any more
    assert moe.stats.max_load_ratio >= 1.5


def test_balancing_loss_keeps_the_busiest_expert_within_1_5x_the_mean(data):
    tm.manual_seed(0)
    moe = _moe(aux_loss_coef=0.3)  # 0.3 held the median near 1.05 for seeds 0-2
    _, ratios = _train(Net(moe), data, moe)
    assert moe.stats.max_load_ratio <= 1.5  # the final (eval) forward on the test set
    assert np.median(ratios[-100:]) <= 1.5
    assert moe.stats.dead_experts == 0
