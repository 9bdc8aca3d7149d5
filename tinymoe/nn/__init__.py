"""Neural-network building blocks: ``Module``, ``Parameter``, layers, ``init``, ``functional``."""

from . import functional, init
from .activation import GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Softmax, Tanh
from .attention import CausalSelfAttention
from .containers import ModuleList, Sequential
from .dropout import Dropout
from .linear import MLP, Linear
from .module import Module
from .moe import MoE
from .normalization import LayerNorm, RMSNorm
from .parameter import Parameter
from .rnn import LSTM
from .sparse import Embedding
from .torch_interop import load_torch_state_dict, to_torch_state_dict
from .transformer import TransformerBlock

__all__ = [
    "CausalSelfAttention",
    "GELU",
    "LSTM",
    "MLP",
    "Dropout",
    "Embedding",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "MoE",
    "Module",
    "ModuleList",
    "Parameter",
    "RMSNorm",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "TransformerBlock",
    "functional",
    "init",
    "load_torch_state_dict",
    "to_torch_state_dict",
]
