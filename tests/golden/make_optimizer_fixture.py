#!/usr/bin/env python3
"""Writes tests/golden/optim/optimizer.json, which tests/optim/test_optimizer.cpp compares
fastblock's Optimizer (include/fastblock/optim/optimizer.hpp) with: fastai's own optimisers
(fastai.optimizer.Adam and SGD, fastai 2.7.12) run on a few small torch parameters for 5 steps,
with the learning rates (two parameter groups) and the momentum changing between steps as
fit_one_cycle changes them.

Run with the fastai virtual environment:
    /opt/fastai-venv/bin/python tests/golden/make_optimizer_fixture.py

Parameters (float32, values from the flat index i, computed in float64 then rounded):
    w     kind weight, shape [3, 4], group 0   value (0.5 + 0.75*frac(0.618...*(i+1))) * (+1/-1)
    b     kind bias, 4 elements, group 1       same formula, offset 12
    bn    kind batchnorm, 4 elements, group 1  same formula, offset 16
    late  kind weight, 5 elements, group 1     same formula, offset 20; no gradient at steps 1 and 2
                                               (fastai skips a parameter without .grad, so its Adam
                                               step count starts at step 3)
Gradient of parameter k at step t (1..5), element i:
    sin(0.37*i + 1.3*t + 0.5*k) * (1 + 0.5*cos(0.11*i*t)), except element 1 of w is 0 always.
Hyper-parameters at step t: lr = [1e-2 * f_t, 3e-2 * f_t] per group with
f = [0.2, 0.6, 1.0, 0.7, 0.3], and mom = [0.95, 0.9, 0.85, 0.9, 0.95].
With wd_bn_bias false, b and bn get no weight decay (fastai's state['do_wd'] = False).
Scenarios (fresh optimiser each):
    adam            Adam(wd=0.01) (decoupled), sqr_mom 0.99, eps 1e-5
    adam_l2         Adam(wd=0.01, decouple_wd=False)
    adam_wd_bn_bias Adam(wd=0.01) with weight decay on b and bn too
    sgd             SGD(mom=0.9, wd=0.01) (decoupled), mom scheduled as above
    sgd_l2          SGD(mom=0.9, wd=0.01, decouple_wd=False)
    sgd_plain       SGD(mom=0, wd=0.01): fastai builds it without momentum, so the scheduled mom
                    is ignored
Each scenario stores, for every step, every parameter's value after the step.
"""
import json
import math
import os

import torch
from fastai.optimizer import SGD, Adam

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim", "optimizer.json")
STEPS = 5
SPECS = [  # name, kind, shape, group, offset
    ("w", "weight", [3, 4], 0, 0),
    ("b", "bias", [4], 1, 12),
    ("bn", "batchnorm", [4], 1, 16),
    ("late", "weight", [5], 1, 20),
]
LR_FACTORS = [0.2, 0.6, 1.0, 0.7, 0.3]
MOMS = [0.95, 0.9, 0.85, 0.9, 0.95]
BASE_LRS = [1e-2, 3e-2]


def initial(offset, n):
    vals = []
    for j in range(n):
        i = offset + j
        frac = (0.6180339887 * (i + 1)) % 1.0
        vals.append((0.5 + 0.75 * frac) * (1.0 if i % 2 == 0 else -1.0))
    return torch.tensor(vals, dtype=torch.float64).float()


def grad(k, n, t):
    vals = [math.sin(0.37 * i + 1.3 * t + 0.5 * k) * (1.0 + 0.5 * math.cos(0.11 * i * t))
            for i in range(n)]
    if k == 0:
        vals[1] = 0.0
    return torch.tensor(vals, dtype=torch.float64).float()


def numel(shape):
    return math.prod(shape)


def floats(t):
    return [float(x) for x in t.reshape(-1).tolist()]


def run(make_opt, wd_bn_bias=False):
    params = [torch.nn.Parameter(initial(off, numel(shape)).reshape(shape).clone())
              for (_, _, shape, _, off) in SPECS]
    groups = [[p for p, s in zip(params, SPECS) if s[3] == g] for g in (0, 1)]
    opt = make_opt(groups)
    if not wd_bn_bias:
        for p, s in zip(params, SPECS):
            if s[1] in ("bias", "batchnorm"):
                opt.state[p]["do_wd"] = False
    after = []
    for t in range(1, STEPS + 1):
        opt.set_hyper("lr", [lr * LR_FACTORS[t - 1] for lr in BASE_LRS])
        opt.set_hyper("mom", MOMS[t - 1])
        for k, (p, s) in enumerate(zip(params, SPECS)):
            if s[0] == "late" and t <= 2:
                p.grad = None
            else:
                p.grad = grad(k, numel(s[2]), t).reshape(s[2]).clone()
        opt.step()
        after.append({s[0]: floats(p.detach()) for p, s in zip(params, SPECS)})
    return after


def main():
    fixture = {
        "generator": "tests/golden/make_optimizer_fixture.py, torch " + torch.__version__
                     + ", fastai.optimizer",
        "steps": STEPS,
        "params": [dict(name=n, kind=k, shape=sh, group=g,
                        value=floats(initial(off, numel(sh))),
                        grads=[None if (n == "late" and t <= 2) else floats(grad(k_i, numel(sh), t))
                               for t in range(1, STEPS + 1)])
                   for k_i, (n, k, sh, g, off) in enumerate(SPECS)],
        "lrs": [[lr * f for lr in BASE_LRS] for f in LR_FACTORS],
        "moms": MOMS,
        "scenarios": {
            "adam": run(lambda gs: Adam(gs, lr=1e-3, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01)),
            "adam_l2": run(lambda gs: Adam(gs, lr=1e-3, wd=0.01, decouple_wd=False)),
            "adam_wd_bn_bias": run(lambda gs: Adam(gs, lr=1e-3, wd=0.01), wd_bn_bias=True),
            "sgd": run(lambda gs: SGD(gs, lr=1e-3, mom=0.9, wd=0.01)),
            "sgd_l2": run(lambda gs: SGD(gs, lr=1e-3, mom=0.9, wd=0.01, decouple_wd=False)),
            "sgd_plain": run(lambda gs: SGD(gs, lr=1e-3, mom=0.0, wd=0.01)),
        },
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
