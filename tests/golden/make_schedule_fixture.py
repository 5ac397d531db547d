#!/usr/bin/env python3
"""Writes tests/golden/optim/schedule.json, which tests/optim/test_schedule.cpp compares
fastblock's schedules (include/fastblock/optim/schedule.hpp) with, computed by fastai 2.7.12:

  - sched_lin/cos/no/exp(start, end, pos) and combined_cos(pct, start, middle, end)(pos) at a
    few positions (fastai.callback.schedule);
  - even_mults(start, stop, n) (fastcore);
  - three real fit_one_cycle runs of a fastai Learner on a tiny linear model with three parameter
    groups, 2 epochs of 7 training batches (28 items, batch size 4, drop_last): a callback placed
    after ParamScheduler records, before every training batch, pct_train (the position fastai
    gives the schedules) and the lr and mom of every group as the optimiser will use them:
        one_cycle        fit_one_cycle(2, 1e-2)
        freeze_phase     fit_one_cycle(2, slice(3e-3), pct_start=0.99)      (fine_tune, frozen)
        unfreeze_phase   fit_one_cycle(2, slice(1.5e-5, 1.5e-3), pct_start=0.3, div=5)

Run with the fastai virtual environment:
    /opt/fastai-venv/bin/python tests/golden/make_schedule_fixture.py
"""
import json
import os

import torch
from fastai.callback.core import Callback
from fastai.callback.schedule import combined_cos, sched_cos, sched_exp, sched_lin, sched_no
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastcore.basics import even_mults
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim", "schedule.json")
POSITIONS = [0.0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.99, 1.0]


class Record(Callback):
    order = 61  # after ParamScheduler (60)

    def __init__(self):
        self.rows = []

    def before_batch(self):
        if not self.training:
            return
        self.rows.append(dict(epoch=self.epoch, batch=self.iter, pct_train=float(self.pct_train),
                              lr=[float(h["lr"]) for h in self.opt.hypers],
                              mom=[float(h["mom"]) for h in self.opt.hypers]))


def learner():
    torch.manual_seed(0)
    xs = torch.randn(28, 3)
    ds = [(x, x.sum(0, keepdim=True)) for x in xs]
    dls = DataLoaders.from_dsets(ds, ds[:8], bs=4, device="cpu")
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 1))
    return Learner(dls, model, loss_func=nn.MSELoss(),
                   splitter=lambda m: [list(m[0].parameters()), list(m[1].parameters()),
                                       list(m[2].parameters())])


def one_cycle(**kwargs):
    learn = learner()
    rec = Record()
    with learn.no_logging(), learn.no_bar():
        learn.fit_one_cycle(2, cbs=rec, **kwargs)
    return dict(n_epoch=2, n_iter=len(learn.dls.train), rows=rec.rows)


def main():
    scheds = dict(lin=sched_lin, cos=sched_cos, no=sched_no, exp=sched_exp)
    fixture = {
        "generator": "tests/golden/make_schedule_fixture.py, fastai callback.schedule",
        "positions": POSITIONS,
        "sched": {name: [f(2.0, 0.5, p) for p in POSITIONS] for name, f in scheds.items()},
        "combined_cos": [
            dict(pct=pct, start=s, middle=m, end=e,
                 values=[float(combined_cos(pct, s, m, e)(p)) for p in POSITIONS])
            for (pct, s, m, e) in [(0.25, 4e-4, 1e-2, 1e-7), (0.3, 0.95, 0.85, 0.95),
                                   (0.99, 1e-3, 0.1, 1e-6)]],
        "even_mults": [dict(start=a, stop=b, n=n, values=list(map(float, even_mults(a, b, n))))
                       for (a, b, n) in [(1e-5, 1e-3, 3), (1e-4, 1e-2, 4), (2e-3, 2e-3, 2)]],
        "runs": {
            "one_cycle": dict(args="fit_one_cycle(2, 1e-2)", **one_cycle(lr_max=1e-2)),
            "freeze_phase": dict(args="fit_one_cycle(2, slice(3e-3), pct_start=0.99)",
                                 **one_cycle(lr_max=slice(3e-3), pct_start=0.99)),
            "unfreeze_phase": dict(
                args="fit_one_cycle(2, slice(1.5e-5, 1.5e-3), pct_start=0.3, div=5)",
                **one_cycle(lr_max=slice(1.5e-5, 1.5e-3), pct_start=0.3, div=5.0)),
        },
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
