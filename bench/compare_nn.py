#!/usr/bin/env python3
"""Runs bench_nn's steps in PyTorch and in fastblock, alternating, and prints images/second and
ratios (fastblock / PyTorch: above 1 means fastblock is faster).

    /usr/bin/python3 bench/compare_nn.py BUILD/bench/bench_nn [THREADS] [ROUNDS]

The PyTorch side builds the same model: torchvision's body (children()[:-2]) and fastai's head as
torch.nn layers (AdaptiveConcatPool2d = cat of max and average pooling, Flatten, BatchNorm1d,
Dropout, Linear without bias, ReLU, BatchNorm1d, Dropout, Linear), BCEWithLogitsLoss on 20 outputs,
batch 64 of random data; a training step is forward + loss + backward (no optimizer update, as in
bench_nn), inference is an eval-mode forward under no_grad. Each round runs fastblock's program
once (median of its repeats) and then PyTorch's (median of the same number of steps); the script
prints the medians over rounds. Peak memory is each process's VmHWM.
"""
import os
import re
import statistics
import subprocess
import sys
import time

import torch
import torchvision

CASES = [("resnet18", 64), ("resnet18", 128), ("resnet50", 64)]
REPEATS = 3


class ConcatPool(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mp, self.ap = torch.nn.AdaptiveMaxPool2d(1), torch.nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return torch.cat([self.mp(x), self.ap(x)], 1)


def model(name):
    m = getattr(torchvision.models, name)()
    body = torch.nn.Sequential(*list(m.children())[:-2])
    nf = 2 * (2048 if name == "resnet50" else 512)
    head = torch.nn.Sequential(ConcatPool(), torch.nn.Flatten(), torch.nn.BatchNorm1d(nf),
                               torch.nn.Dropout(0.25), torch.nn.Linear(nf, 512, bias=False),
                               torch.nn.ReLU(inplace=True), torch.nn.BatchNorm1d(512),
                               torch.nn.Dropout(0.5), torch.nn.Linear(512, 20, bias=False))
    return torch.nn.Sequential(body, head)


def torch_case(name, size, bs=64):
    net = model(name)
    x, t = torch.randn(bs, 3, size, size), (torch.rand(bs, 20) < 0.2).float()
    loss = torch.nn.BCEWithLogitsLoss()
    train, infer = [], []
    for r in range(REPEATS + 1):
        net.train()
        t0 = time.perf_counter()
        loss(net(x), t).backward()
        dt = time.perf_counter() - t0
        net.eval()
        t0 = time.perf_counter()
        with torch.no_grad():
            net(x)
        di = time.perf_counter() - t0
        if r:
            train.append(dt)
            infer.append(di)
    return bs / statistics.median(train), bs / statistics.median(infer)


def fastblock_case(exe, name, size, threads):
    out = subprocess.run([exe, "--model", name, "--size", str(size), "--repeats", str(REPEATS)],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, FASTBLOCK_NUM_THREADS=str(threads))).stdout
    train = float(re.search(r"train\s+([\d.]+) img/s", out).group(1))
    infer = float(re.search(r"inference\s+([\d.]+) img/s", out).group(1))
    rss = float(re.search(r"peak RSS ([\d.]+) MiB", out).group(1))
    return train, infer, rss


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    exe = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}, {threads} threads, batch 64, medians of {rounds} rounds "
          f"of {REPEATS} steps")
    print(f"{'case':16} {'ours train':>11} {'torch train':>12} {'ratio':>6} "
          f"{'ours infer':>11} {'torch infer':>12} {'ratio':>6} {'ours MiB':>9}")
    for name, size in CASES:
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(fastblock_case(exe, name, size, threads))
            theirs.append(torch_case(name, size))
        ot, oi = statistics.median(o[0] for o in ours), statistics.median(o[1] for o in ours)
        tt, ti = statistics.median(t[0] for t in theirs), statistics.median(t[1] for t in theirs)
        rss = max(o[2] for o in ours)
        print(f"{name + ' ' + str(size) + 'px':16} {ot:11.1f} {tt:12.1f} {ot / tt:6.2f} "
              f"{oi:11.1f} {ti:12.1f} {oi / ti:6.2f} {rss:9.0f}")
    print(f"PyTorch process peak RSS (all cases): {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
