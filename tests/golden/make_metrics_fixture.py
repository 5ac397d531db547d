#!/usr/bin/env python3
"""Writes tests/golden/metrics/metrics.json, which tests/learner/test_metrics.cpp compares
fastblock's metrics (include/fastblock/learner/metrics.hpp) with: fastai 2.7.12's metric objects
(AvgMetric for accuracy, error_rate, accuracy_multi and mse; AccumMetric, i.e. sklearn, for
F1ScoreMulti, FBetaMulti, rmse and R2Score), each fed two batches of different sizes through
accumulate() as a Learner's validation loop does, and their names.

Run with the fastai virtual environment (sklearn 1.2 comes from Debian's python3-sklearn):
    /opt/fastai-venv/bin/python tests/golden/make_metrics_fixture.py
(sklearn warns that some F-scores are ill-defined: those cases are in the data on purpose.)

Data (torch.manual_seed(0)): multi-label logits [11, 5] = randn + 3*(targets - 0.5), targets
(rand < 0.35); one label column (3) has no positive target and the logits of row 10 are all
negative, so sklearn's zero_division cases occur. Single-label logits [11, 4] and int64 targets;
regression predictions and targets [11, 2]. Batches: rows 0..6 and 7..10.
"""
import json
import os
from functools import partial

import torch
from fastai.learner import AvgMetric
from fastai.metrics import (F1ScoreMulti, FBetaMulti, R2Score, accuracy, accuracy_multi,
                            error_rate, mse, rmse)
from fastai.torch_core import to_detach

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics", "metrics.json")
SPLIT = 7


class FakeLearner:
    """What Metric.accumulate reads from a Learner."""

    def __init__(self, pred, targ):
        self.pred, self.y, self.yb = pred, targ, (targ,)

    @staticmethod
    def to_detach(x, *args, **kwargs):
        return to_detach(x)


def evaluate(metric, preds, targs):
    metric.reset()
    for lo, hi in [(0, SPLIT), (SPLIT, len(preds))]:
        metric.accumulate(FakeLearner(preds[lo:hi], targs[lo:hi]))
    return float(metric.value), metric.name


def floats(t):
    return [float(x) for x in t.reshape(-1).tolist()]


def main():
    torch.manual_seed(0)
    multi_t = (torch.rand(11, 5) < 0.35).float()
    multi_t[:, 3] = 0
    multi_p = torch.randn(11, 5) + 3 * (multi_t - 0.5)
    multi_p[10] = -multi_p[10].abs() - 0.1
    single_p = torch.randn(11, 4)
    single_t = torch.randint(0, 4, (11,))
    reg_p = torch.randn(11, 2)
    reg_t = reg_p + 0.5 * torch.randn(11, 2) + 0.2

    cases = []

    def add(label, metric, preds, targs, kind):
        value, name = evaluate(metric, preds, targs)
        cases.append(dict(label=label, name=name, value=value, data=kind))

    add("accuracy", AvgMetric(accuracy), single_p, single_t, "single")
    add("error_rate", AvgMetric(error_rate), single_p, single_t, "single")
    add("accuracy_multi", AvgMetric(accuracy_multi), multi_p, multi_t, "multi")
    add("accuracy_multi thresh=0.2", AvgMetric(partial(accuracy_multi, thresh=0.2)), multi_p,
        multi_t, "multi")
    add("accuracy_multi thresh=0.6 sigmoid=False",
        AvgMetric(partial(accuracy_multi, thresh=0.6, sigmoid=False)), multi_p.sigmoid(), multi_t,
        "multi_sigmoid")
    for avg in ["macro", "micro", "samples", "weighted"]:
        add(f"F1ScoreMulti average={avg}", F1ScoreMulti(average=avg), multi_p, multi_t, "multi")
        add(f"F1ScoreMulti thresh=0.3 average={avg}", F1ScoreMulti(thresh=0.3, average=avg),
            multi_p, multi_t, "multi")
        add(f"FBetaMulti beta=2 average={avg}", FBetaMulti(2.0, average=avg), multi_p, multi_t,
            "multi")
        add(f"FBetaMulti beta=0.5 thresh=0.7 sigmoid=False average={avg}",
            FBetaMulti(0.5, thresh=0.7, sigmoid=False, average=avg), multi_p.sigmoid(), multi_t,
            "multi_sigmoid")
    add("mse", AvgMetric(mse), reg_p, reg_t, "regression")
    add("rmse", rmse, reg_p, reg_t, "regression")
    add("R2Score", R2Score(), reg_p, reg_t, "regression")

    fixture = {
        "generator": "tests/golden/make_metrics_fixture.py, fastai.metrics, torch "
                     + torch.__version__,
        "split": SPLIT,
        "data": {
            "multi": dict(preds=floats(multi_p), targs=floats(multi_t), shape=list(multi_p.shape)),
            "multi_sigmoid": dict(preds=floats(multi_p.sigmoid()), targs=floats(multi_t),
                                  shape=list(multi_p.shape)),
            "single": dict(preds=floats(single_p), targs=[int(x) for x in single_t.tolist()],
                           shape=list(single_p.shape)),
            "regression": dict(preds=floats(reg_p), targs=floats(reg_t), shape=list(reg_p.shape)),
        },
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
