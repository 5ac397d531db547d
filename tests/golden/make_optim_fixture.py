#!/usr/bin/env python3
"""Writes tests/golden/optim/steps.json, which tests/nn/test_optim_kernels.cpp compares fastblock's
CPU optimiser kernels (include/fastblock/cpu/optim.hpp) with: three steps of PyTorch's optimisers
on one small parameter vector, in float32.

Run with Debian's python3 (torch 1.13):
    /usr/bin/python3 tests/golden/make_optim_fixture.py

Values, from the flat index i (0 <= i < N) and the step t (1, 2, 3), computed in float64 and then
rounded to float32 (the fixture stores the float32 values themselves, so the C++ test reads the
same bits rather than recomputing them):
    param_0[i]  = (0.5 + 0.75 * frac(0.6180339887 * (i + 1))) * (1 if i is even else -1)
    grad_t[i]   = sin(0.37 * i + 1.3 * t) * (1 + 0.5 * cos(0.11 * i * t)),  except grad_t[7] = 0
The zero gradient at index 7 leaves Adam's second moment at zero there, so its denominator is
eps alone. Scenarios (each from param_0, fresh optimiser state):
    adamw         torch.optim.AdamW(lr=0.01, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01):
                  p *= 1 - lr*wd; m, v updated; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
                  which is fastai's Adam (decoupled weight decay) and fastblock's adam_step.
    sgd_momentum  torch.optim.SGD(lr=0.05, momentum=0.9, weight_decay=0) with fastai's decoupled
                  weight decay 0.01 done by hand before each step (p *= 1 - lr*wd), as
                  fastblock's sgd_step does it.
    sgd_plain     torch.optim.SGD(lr=0.05, momentum=0, weight_decay=0), no weight decay.
Each scenario stores its hyper-parameters and the parameter after each step.
"""
import json
import math
import os

import torch

N = 37
STEPS = 3
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim", "steps.json")


def initial_param():
    vals = []
    for i in range(N):
        frac = (0.6180339887 * (i + 1)) % 1.0
        vals.append((0.5 + 0.75 * frac) * (1.0 if i % 2 == 0 else -1.0))
    return torch.tensor(vals, dtype=torch.float64).float()


def grad_at(t):
    vals = [math.sin(0.37 * i + 1.3 * t) * (1.0 + 0.5 * math.cos(0.11 * i * t)) for i in range(N)]
    vals[7] = 0.0
    return torch.tensor(vals, dtype=torch.float64).float()


def floats(t):
    # float32 -> Python float is exact, and repr round-trips, so C++ parses the same bits.
    return [float(x) for x in t.tolist()]


def run(make_opt, decoupled_wd=0.0, lr=0.0):
    p = torch.nn.Parameter(initial_param().clone())
    opt = make_opt([p])
    after = []
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        p.grad = grad_at(t).clone()
        if decoupled_wd:
            with torch.no_grad():
                p.mul_(1.0 - lr * decoupled_wd)
        opt.step()
        after.append(floats(p.detach()))
    return after


def main():
    adam = dict(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-5, wd=0.01)
    sgd_m = dict(lr=0.05, mom=0.9, wd=0.01)
    sgd_p = dict(lr=0.05, mom=0.0, wd=0.0)
    fixture = {
        "generator": "tests/golden/make_optim_fixture.py, torch " + torch.__version__,
        "n": N,
        "steps": STEPS,
        "param": floats(initial_param()),
        "grads": [floats(grad_at(t)) for t in range(1, STEPS + 1)],
        "adamw": dict(adam, after=run(lambda ps: torch.optim.AdamW(
            ps, lr=adam["lr"], betas=(adam["beta1"], adam["beta2"]), eps=adam["eps"],
            weight_decay=adam["wd"]))),
        "sgd_momentum": dict(sgd_m, after=run(
            lambda ps: torch.optim.SGD(ps, lr=sgd_m["lr"], momentum=sgd_m["mom"], weight_decay=0),
            decoupled_wd=sgd_m["wd"], lr=sgd_m["lr"])),
        "sgd_plain": dict(sgd_p, after=run(
            lambda ps: torch.optim.SGD(ps, lr=sgd_p["lr"], momentum=0, weight_decay=0))),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
