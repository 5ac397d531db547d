#!/usr/bin/python3
"""Writes tests/golden/print_golden.txt: what PyTorch's repr() prints for a set of tensors.

tests/tensor/test_print.cpp rebuilds every tensor below by the same formula (keep the two lists in
step) and checks that fastblock::repr prints the same bytes. Values are exact literals or float32
arithmetic on small integers (one correctly rounded division or subtraction), so both sides hold
bit-identical elements.

Run with the system Python that has torch (PyTorch 1.13):
    /usr/bin/python3 tests/golden/make_print_golden.py

File format, per case:
    #case <id> [key=value ...]     options (precision, threshold, edgeitems, linewidth, sci_mode)
                                   and prefix (a tensor subclass name) when not the defaults
    <repr text, one or more lines>
    #end
"""

import math
import os

import torch

nan, inf = math.nan, math.inf


def subclass(name):
    # A bare torch.Tensor subclass prints as `Name(...)`, as fastai's TensorMultiCategory does.
    return type(name, (torch.Tensor,), {})


def f32(values):
    return torch.tensor(values, dtype=torch.float32)


def i64(values):
    return torch.tensor(values, dtype=torch.int64)


FLOAT20 = [1.1090, -1.4315, 2.8930, -0.5213, 0.0412, 1.7702, -2.2304, 0.3318, -0.0087, 0.9941,
           -1.0515, 0.6262, 1.4139, -0.2726, 0.1873, -1.8843, 2.0014, -0.7410, 0.4587, -0.1199]
MULTI_HOT = [0.0] * 20
for _i in (4, 9, 17):
    MULTI_HOT[_i] = 1.0
POINTS = [[-0.1250, 0.0771], [1.5, 2.25], [3.0, 4.0]]


def ar(n):
    return torch.arange(n)


def arf(n):
    return torch.arange(n).to(torch.float32)


# (id, tensor, options, prefix); options are torch.set_printoptions keywords.
CASES = [
    # Seed examples.
    ("int_seed", i64([6, 11, 13, 0, 8, 22, 10, 3]), {}, None),
    ("float20", f32(FLOAT20), {}, None),
    ("multicat", f32(MULTI_HOT), {}, "TensorMultiCategory"),
    ("point", f32([POINTS[0]]), {}, None),
    ("point_sub", f32([POINTS[0]]), {}, "TensorPoint"),
    ("points_sub", f32(POINTS), {}, "TensorPoint"),
    # Notation choice.
    ("big_sci", f32([1e10, 2.5e9, -3e8]), {}, None),
    ("tiny", f32([1e-5, 2.5e-6, 0.5]), {}, None),
    ("ratio_sci", f32([0.001, 2.0, 5.5]), {}, None),
    ("mixed_neg_sci", f32([-1e-5, 1e5]), {}, None),
    ("fixed_big", f32([123.456, -1.5]), {}, None),
    ("int_mode_big", f32([1e6, 2000.0]), {}, None),
    ("int_mode_1e8", f32([1e8, 1e6]), {}, None),
    ("int_valued", f32([0.0, 1.0, 0.0]), {}, None),
    ("zeros_only", torch.zeros(2), {}, None),
    ("zeros_sci_forced", torch.zeros(3), {"sci_mode": True}, None),
    ("nan_inf", f32([nan, inf, -inf, 1.5]), {}, None),
    ("nan_inf_int", f32([nan, inf, -inf, 2.0]), {}, None),
    ("negzero", f32([-0.0, 1.5, -2.25]), {}, None),
    ("negzero_int", f32([-0.0, 1.0, 2.0]), {}, None),
    ("ties", f32([0.03125, 0.09375, 1.0, 0.15625]), {}, None),
    ("ties_p0", f32([0.5, 1.5, 2.5, -0.5]), {"precision": 0}, None),
    ("third_p10", f32([1.0]) / 3, {"precision": 10}, None),
    ("huge_fixed", f32([1e30, 1.0]), {"sci_mode": False}, None),
    ("sci_forced", f32([1.5, 2.25]), {"sci_mode": True}, None),
    ("sci_off", f32([1e-5, 2.5e-6, 0.5]), {"sci_mode": False}, None),
    # Integers, uint8, bool.
    ("int_neg", i64([-5, 120, -3000, 7]), {}, None),
    ("int_wide", i64([[-123456789, 5, 0], [42, 7, -1]]), {}, None),
    ("int64_extreme", i64([2**62 + 1, -(2**63), 2**63 - 1]), {}, None),
    ("uint8_img", (ar(24) * 10).to(torch.uint8).reshape(2, 3, 4), {}, None),
    ("uint8_dtype_wrap", (ar(28) * 9).to(torch.uint8), {}, None),
    ("bool_mask", torch.tensor([True, False, False, True, True, False]), {}, None),
    ("bool_2d", ar(12).reshape(3, 4) > 5, {}, None),
    # Empty and 0-d.
    ("empty1d", torch.zeros(0), {}, None),
    ("empty2d", torch.zeros(0, 3), {}, None),
    ("empty_int", torch.zeros(0, dtype=torch.int64), {}, None),
    ("empty_bool_2d", torch.zeros(2, 0, dtype=torch.bool), {}, None),
    ("empty_uint8_3d", torch.zeros(1, 0, 2, dtype=torch.uint8), {}, None),
    ("scalar_float", torch.tensor(3.0), {}, None),
    ("scalar_frac", torch.tensor(0.5), {}, None),
    ("scalar_tiny", torch.tensor(1e-5), {}, None),
    ("scalar_nan", torch.tensor(nan), {}, None),
    ("scalar_sci_forced", torch.tensor(2.5), {"sci_mode": True}, None),
    ("scalar_int", torch.tensor(-7), {}, None),
    ("scalar_uint8", torch.tensor(200, dtype=torch.uint8), {}, None),
    ("scalar_bool", torch.tensor(True), {}, None),
    # Nesting, views, wrapping.
    ("f234", (arf(24) / 7).reshape(2, 3, 4), {}, None),
    ("f234_p2", (arf(24) / 7).reshape(2, 3, 4), {"precision": 2}, None),
    ("f4d", (arf(24) / 2).reshape(2, 2, 2, 3), {}, None),
    ("transpose", (arf(12).reshape(3, 4) / 4).t(), {}, None),
    ("slice_step", ar(20)[::3], {}, None),
    ("expand", f32([[1.5, -2.0, 3.25]]).expand(2, 3), {}, None),
    ("wrap30", arf(30) / 7 - 2, {}, None),
    ("wrap30_lw50", arf(30) / 7 - 2, {"linewidth": 50}, None),
    ("narrow_lw", f32([[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]]), {"linewidth": 10}, None),
    # Summaries.
    ("big2000", arf(2000) / 3, {}, None),
    ("big2000_int", ar(2000), {}, None),
    ("big100x100", (arf(10000) / 100).reshape(100, 100), {}, None),
    ("big3d", ar(1200).reshape(10, 10, 12), {}, None),
    ("uint8_summary_sub", (arf(1200) / 5).to(torch.uint8).reshape(3, 20, 20), {}, "TensorImage"),
    ("bool_summary", ar(1500) > 700, {}, None),
    ("threshold5", ar(10), {"threshold": 5}, None),
    ("edge2", (arf(30) / 2).reshape(5, 6), {"threshold": 5, "edgeitems": 2}, None),
    ("edge0", ar(10), {"threshold": 5, "edgeitems": 0}, None),
]


def option_text(opts, prefix):
    parts = [f"{k}={v}" for k, v in opts.items()]
    if prefix:
        parts.append(f"prefix={prefix}")
    return "".join(" " + p for p in parts)


def main():
    out = []
    seen = set()
    for case_id, t, opts, prefix in CASES:
        assert case_id not in seen, case_id
        seen.add(case_id)
        if prefix:
            t = t.as_subclass(subclass(prefix))
        torch.set_printoptions(profile="default")
        torch.set_printoptions(**opts)
        text = repr(t)
        torch.set_printoptions(profile="default")
        assert not any(line.startswith("#") for line in text.split("\n")), case_id
        out.append(f"#case {case_id}{option_text(opts, prefix)}\n{text}\n#end\n")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "print_golden.txt")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("".join(out))
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
