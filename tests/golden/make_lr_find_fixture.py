"""Writes learner/lr_find.txt: fastai 2.7's lr_find suggestions for fixed loss curves.

Run with the fastai venv (fastai 2.7.12 on Debian's torch 1.13):
    /opt/fastai-venv/bin/python tests/golden/make_lr_find_fixture.py
Each curve is a deterministic formula (no randomness), fed to fastai's own suggestion functions
after the same slicing Learner.lr_find does (lrs[num_it//10:-5], cut at the first NaN), so the
C++ test checks fastblock's minimum/steep/valley rules against fastai's code, not a re-derivation.
File format, one curve per block:
    curve <name> <num_it> <n>
    lrs <n values>
    losses <n values>
    expect <minimum> <steep> <valley>
"""
import math
import pathlib

import torch
from fastai.callback.schedule import minimum, steep, valley

out = pathlib.Path(__file__).parent / "learner" / "lr_find.txt"


def curve(name, num_it, n, loss_of):
    lrs = [1e-7 * (10 / 1e-7) ** (i / num_it) for i in range(n)]
    losses = [loss_of(i, lr) for i, lr in enumerate(lrs)]
    t_lrs = torch.tensor(lrs[num_it // 10:-5])
    t_losses = torch.tensor(losses[num_it // 10:-5])
    nan_idxs = torch.nonzero(torch.isnan(t_losses.view(-1)))
    if len(nan_idxs) > 0:
        drop = min(nan_idxs)
        t_lrs, t_losses = t_lrs[:drop], t_losses[:drop]
    sugg = [f(t_lrs, t_losses, num_it)[0] for f in (minimum, steep, valley)]
    return (f"curve {name} {num_it} {n}\n"
            f"lrs {' '.join(repr(v) for v in lrs)}\n"
            f"losses {' '.join(repr(v) for v in losses)}\n"
            f"expect {' '.join(repr(float(v)) for v in sugg)}\n")


def typical(i, lr):  # flat, a valley around 1e-3, then divergence
    x = math.log10(lr)
    return 1.0 - 0.4 * math.tanh(x + 4) + 0.03 * math.sin(1.7 * i) + (0.3 * (x + 1.5) ** 2 if x > -1.5 else 0)


def early_nan(i, lr):  # diverges to NaN two thirds of the way
    return typical(i, lr) if i < 70 else float("nan")


def monotone(i, lr):  # decreasing from the start: fastai's max_start is -1 here
    return 5.0 - 0.01 * i - 0.0004 * i * i  # steepest at the end: no near-ties for steep


out.write_text(curve("typical", 100, 100, typical) + curve("early_nan", 100, 100, early_nan) +
               curve("monotone", 100, 60, monotone))
print("wrote", out)
