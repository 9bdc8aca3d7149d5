"""Data sets, loaders, splitting, scaling, synthetic generators and the shipped digits."""

from tinymoe.data.digits import load_digits
from tinymoe.data.loader import DataLoader, Dataset, TensorDataset, collate
from tinymoe.data.preprocessing import (
    MaxScaler,
    MinMaxScaler,
    Standardizer,
    normalize,
    standardize,
)
from tinymoe.data.split import train_test_split
from tinymoe.data.synthetic import (
    make_blobs,
    make_circles,
    make_moons,
    make_multitask,
    make_piecewise_regression,
    make_spirals,
    make_xor,
)
from tinymoe.data.text import CharTokenizer, TextData, load_text

__all__ = [
    "CharTokenizer",
    "DataLoader",
    "Dataset",
    "MaxScaler",
    "MinMaxScaler",
    "Standardizer",
    "TensorDataset",
    "TextData",
    "collate",
    "load_digits",
    "load_text",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_multitask",
    "make_piecewise_regression",
    "make_spirals",
    "make_xor",
    "normalize",
    "standardize",
    "train_test_split",
]
