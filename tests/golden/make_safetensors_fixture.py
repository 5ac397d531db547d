#!/usr/bin/python3
"""Writes the fixtures of tests/io/test_safetensors.cpp with the reference safetensors package.

tests/golden/safetensors/ then holds files written by Hugging Face's own implementation (its Rust
core, through safetensors.torch.save_file), which the C++ reader must read and the C++ writer must
reproduce:

    basic.safetensors            F32, I64, U8 and BOOL tensors (2-D, 0-d, zero-size, a name that
                                 needs JSON escapes and UTF-8) and one metadata entry. The test
                                 rebuilds every tensor by the formulas below (keep them in step),
                                 and checks that save_safetensors writes these exact bytes.
    empty.safetensors            no tensors, no metadata.
    convert.safetensors          F16, BF16, F64 and I32 tensors, which fastblock converts, and a
                                 non-ASCII metadata entry (only one: the reference keeps metadata
                                 in a hash map, so the order of several changes from run to run).
    convert_expected.safetensors the same tensors converted by PyTorch (.float() / .long()), as F32
                                 and I64: what fastblock's conversions must give, bit for bit.
    int8.safetensors             an I8 tensor, a dtype fastblock does not read.

Every value is built from integers or exact binary fractions, so the files are the same on every
run and machine. Run with the fastai virtual environment (PyTorch 1.13 and `pip install
safetensors`; written with safetensors 0.8.0):
    /opt/fastai-venv/bin/python tests/golden/make_safetensors_fixture.py
"""

import math
import os
import struct

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "safetensors")

WEIRD_NAME = 'weird "name"\\\t\u2713'


def basic():
    return {
        # (i - 2) * 0.375, i = 0..5
        "conv.weight": torch.tensor([(i - 2) * 0.375 for i in range(6)], dtype=torch.float32).reshape(2, 3),
        "bn.running_mean": torch.tensor([0.5, -1.25, 1024.0078125], dtype=torch.float32),
        "bn.num_batches_tracked": torch.tensor(1234567890123, dtype=torch.int64),
        "labels": torch.tensor([-1, 0, 2**40, -(2**62)], dtype=torch.int64),
        # (i * 37 + 5) % 256, i = 0..11
        "image": torch.tensor([(i * 37 + 5) % 256 for i in range(12)], dtype=torch.uint8).reshape(2, 2, 3),
        "mask": torch.tensor([True, False, False, True, True]),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
        "scalar": torch.tensor(3.5, dtype=torch.float32),
        "special": torch.tensor([math.inf, -math.inf, math.nan, -0.0], dtype=torch.float32),
        WEIRD_NAME: torch.tensor([7.0], dtype=torch.float32),
    }


def half_bits():
    # Every exponent of both signs with mantissas 0, 1, 0x200 and 0x3ff (zeros, subnormals, normals,
    # infinities, NaNs), then NaNs with payloads and a few ordinary values.
    bits = [s | (e << 10) | m for s in (0, 0x8000) for e in range(32) for m in (0, 1, 0x200, 0x3FF)]
    bits += [0x7D01, 0xFE55, 0x7E00, 0x3555, 0x0155, 0x3C00, 0xC000, 0x7BFF]
    return np.array(bits, dtype=np.uint16)


def bfloat_bits():
    bits = [s | (e << 7) | m for s in (0, 0x8000) for e in range(256) for m in (0, 1, 0x40, 0x7F)]
    bits += [0x7F81, 0xFFC5, 0x3EAB, 0x3F80]
    return np.array(bits, dtype=np.uint16)


def doubles():
    f32_max = float(np.finfo(np.float32).max)
    midpoint = math.ldexp(0x1FFFFFF, 128 - 25)  # FLT_MAX + half an ulp: rounds (ties to even) to inf
    values = [
        0.0, -0.0, 1.0 / 3.0, math.pi, 0.1, 1e300, -1e300, 1e-40, 1e-50, 5e-324,
        f32_max, -f32_max, math.nextafter(midpoint, 0.0), midpoint, -midpoint, math.inf,
        -math.inf, math.nan,
        1.0 + 2.0**-24,                # tie: rounds to even, 1.0
        1.0 + 3 * 2.0**-24,            # tie: rounds to even, 1 + 2^-22
        2.0**-149, 2.0**-150,          # smallest subnormal; the tie below it rounds to 0
        3 * 2.0**-151, -(2.0**-126),
    ]
    return np.array(values, dtype=np.float64).reshape(4, 6)


def convert():
    return {
        "half": torch.from_numpy(half_bits().view(np.int16)).view(torch.float16),
        "half_scalar": torch.tensor(1.5, dtype=torch.float16),
        "bfloat": torch.from_numpy(bfloat_bits().view(np.int16)).view(torch.bfloat16).reshape(2, -1),
        "double": torch.from_numpy(doubles()),
        "int32": torch.tensor([-(2**31), -1, 0, 1, 2**31 - 1], dtype=torch.int32),
        "int32_empty": torch.zeros(3, 0, dtype=torch.int32),
    }


def converted(tensors):
    out = {}
    for name, t in tensors.items():
        out[name] = t.long() if t.dtype == torch.int32 else t.float()
    # numpy agrees with PyTorch bit for bit, NaN payloads included, except that PyTorch (like the
    # F16C instruction and IEEE 754's conversions) returns a signalling NaN quieted: with bit 22 set.
    half = half_bits().view(np.float16).astype(np.float32).view(np.uint32)
    half = np.where(np.isnan(half.view(np.float32)), half | 0x00400000, half)
    assert np.array_equal(half, out["half"].numpy().view(np.uint32))
    with np.errstate(over="ignore"):
        double = doubles().astype(np.float32)
    assert np.array_equal(double, out["double"].numpy(), equal_nan=True)
    return out


def main():
    os.makedirs(HERE, exist_ok=True)
    save_file(basic(), os.path.join(HERE, "basic.safetensors"), metadata={"format": "pt"})
    save_file({}, os.path.join(HERE, "empty.safetensors"))
    tensors = convert()
    save_file(tensors, os.path.join(HERE, "convert.safetensors"),
              metadata={"note": "\u00fcn\u00efc\u00f6d\u00e9 \u2713"})
    save_file(converted(tensors), os.path.join(HERE, "convert_expected.safetensors"))
    save_file({"quantized": torch.tensor([-3, 4], dtype=torch.int8)},
              os.path.join(HERE, "int8.safetensors"))
    for name in sorted(os.listdir(HERE)):
        with open(os.path.join(HERE, name), "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        print(f"{name}: {len(data)} bytes, header {n} bytes")


if __name__ == "__main__":
    main()
