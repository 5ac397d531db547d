#!/usr/bin/env python3
"""Writes the PyTorch checkpoints under tests/golden/pth/ and the values they hold.

tests/io/test_pth.cpp reads every *.pth file here with fastblock::load_pth and compares each tensor,
name, dtype, shape and element, with expected.txt, which this script writes from PyTorch's own
tensors. The files are what `torch.save(obj, path)` writes (the zip format of torch >= 1.6):

    small.pth    a Conv2d/BatchNorm2d/Linear state_dict, `num_batches_tracked` included (int64 0-d)
    views.pth    tensors that share one storage: a transpose, an offset slice, a row, the base,
                 a stride-0 expand, and a nested dict (flattened to dotted names)
    dtypes.pth   bool and uint8, plus the dtypes load_pth converts: float16, bfloat16 and float64 to
                 float32, int32, int16 and int8 to int64
    many.pth     140 small tensors (the pickle then needs LONG_BINPUT and LONG_BINGET)
    proto4.pth   a state_dict pickled with protocol 4 (FRAME, SHORT_BINUNICODE, MEMOIZE,
                 STACK_GLOBAL)

Run with Debian's python3, which has torch 1.13:
    /usr/bin/python3 tests/golden/make_pth_fixture.py

expected.txt, one line per tensor, in each file's order, fields separated by tabs:
    <file> <name> <dtype after loading> <shape as d0,d1,... (empty for 0-d)> <values, space-separated>
Floats are written with repr() of the float32 value, which reads back exactly; bools as 0/1. A run
of n > 1 equal values is written `value*n`.
"""

import collections
import os

import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pth")

# What load_pth turns each torch dtype into.
LOADED_DTYPE = {
    torch.float32: "float32", torch.float16: "float32", torch.bfloat16: "float32",
    torch.float64: "float32", torch.int64: "int64", torch.int32: "int64", torch.int16: "int64",
    torch.int8: "int64", torch.uint8: "uint8", torch.bool: "bool",
}


def small():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                                torch.nn.Flatten(), torch.nn.Linear(16, 5))
    model.train()
    model(torch.randn(2, 3, 4, 4))  # each call moves the running statistics and counts a batch
    model(torch.randn(2, 3, 4, 4))
    return model.state_dict()


def views():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    return collections.OrderedDict([
        ("transposed", base.t()),          # strides (1, 6)
        ("slice", base[1:3, 2:5]),         # offset 8, strides (6, 1)
        ("row", base[2]),                  # offset 12, contiguous
        ("base", base),
        ("every_other", base[:, ::2]),     # strides (6, 2)
        ("expanded", torch.tensor([7.25]).expand(3, 70000)),   # stride 0, BININT extents
        ("nested", {"inner": {"w": torch.tensor([[1, -2], [3, -4]], dtype=torch.int64)},
                    "b": torch.tensor(-9, dtype=torch.int64)}),
    ])


def dtypes():
    return collections.OrderedDict([
        ("mask", torch.tensor([[True, False, True], [False, False, True]])),
        ("bytes", torch.tensor([0, 1, 127, 128, 255], dtype=torch.uint8)),
        ("half", torch.tensor([1.5, -0.0, 65504, 6e-8, float("inf"), -2.25], dtype=torch.float16)),
        ("bfloat", torch.tensor([1.5, -3.0e38, 1e-40, 0.1], dtype=torch.bfloat16)),
        ("double", torch.tensor([0.1, -1e300, 1e-50, 3.0], dtype=torch.float64)),
        ("int32", torch.tensor([-2147483648, 2147483647, 0], dtype=torch.int32)),
        ("int16", torch.tensor([[-32768, 5], [7, 32767]], dtype=torch.int16)),
        ("int8", torch.tensor([-128, 0, 127], dtype=torch.int8)),
        ("big", torch.tensor([2**62, -2**63], dtype=torch.int64)),
    ])


def many():
    return collections.OrderedDict(
        (f"block.{i}.weight", torch.full((2,), i * 0.25 - 10)) for i in range(140))


def proto4():
    torch.manual_seed(1)
    return torch.nn.Linear(3, 2).state_dict()


def flatten(obj, prefix=""):
    for name, value in obj.items():
        if isinstance(value, dict):
            yield from flatten(value, prefix + name + ".")
        else:
            yield prefix + name, value


def value_text(t):
    if t.dtype == torch.bool:
        values = [str(int(v)) for v in t.flatten().tolist()]
    elif t.dtype.is_floating_point:
        # float64 -> float32 rounds to nearest (and overflows to inf), as load_pth does.
        values = [repr(v) for v in t.to(torch.float32).flatten().tolist()]
    else:
        values = [str(v) for v in t.flatten().tolist()]
    runs = []
    for v in values:
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    return " ".join(v if n == 1 else f"{v}*{n}" for v, n in runs)


def main():
    os.makedirs(HERE, exist_ok=True)
    files = [("small.pth", small(), 2), ("views.pth", views(), 2), ("dtypes.pth", dtypes(), 2),
             ("many.pth", many(), 2), ("proto4.pth", proto4(), 4)]
    lines = []
    for file, obj, protocol in files:
        torch.save(obj, os.path.join(HERE, file), pickle_protocol=protocol)
        for name, t in flatten(obj):
            shape = ",".join(str(d) for d in t.shape)
            lines.append("\t".join([file, name, LOADED_DTYPE[t.dtype], shape, value_text(t)]))
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
