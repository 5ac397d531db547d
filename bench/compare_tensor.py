#!/usr/bin/env python3
"""Runs fastblock's bench_tensor and the same ops in PyTorch, alternately, and prints medians and
ratios (PyTorch time / fastblock time: above 1 means fastblock is faster).

    /usr/bin/python3 bench/compare_tensor.py build/test-header-only/bench/bench_tensor [rounds]

Both sides use the same number of threads (FASTBLOCK_NUM_THREADS / torch.set_num_threads). Run it
on a quiet machine: PyTorch with 2 threads loses much of its speed when anything else runs.
"""
import os
import re
import statistics
import subprocess
import sys

# This script's folder, for _common: `python3 -P` and `-I` leave it off sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median_ms  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def torch_cases(reps):
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
    m1, m2 = torch.randn(512, 512, generator=g), torch.randn(512, 512, generator=g)
    feats, head = torch.randn(64, 1024, generator=g), torch.randn(512, 1024, generator=g)
    activs = torch.randn(64, 20, generator=g)
    targs = (torch.rand(64, 20, generator=g) < 0.2).float()

    def bce():
        p = activs.sigmoid()
        return -torch.where(targs == 1, p, 1 - p).log().mean()

    def timed(f, n=reps):
        return median_ms(f, n, warmup=1)

    with torch.no_grad():
        return {
            "add 1024x1024": timed(lambda: a + b),
            "sigmoid 1024x1024": timed(lambda: a.sigmoid()),
            "add bcast row 1024x1024": timed(lambda: a + b[0]),
            "sum 1024x1024": timed(lambda: a.sum()),
            "sum dim1 1024x1024": timed(lambda: a.sum(1)),
            "argmax dim1 1024x1024": timed(lambda: a.argmax(1)),
            "matmul 512^3": timed(lambda: m1 @ m2),
            "matmul 64x1024 @ (512x1024)^T": timed(lambda: feats @ head.t()),
            "seed BCE 64x20": timed(bce, reps * 10),
        }


def ours(binary, reps, threads):
    env = dict(os.environ, FASTBLOCK_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "--reps", str(reps)], env=env, check=True,
                         capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        m = re.match(r"^(.*?)\s+([0-9.]+) ms", line)
        if m:
            result[m.group(1).strip()] = float(m.group(2))
    return result


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = int(os.environ.get("FASTBLOCK_NUM_THREADS", os.cpu_count()))
    reps = 20
    fb_runs, pt_runs = [], []
    if torch is not None:
        torch.set_num_threads(threads)
    for _ in range(rounds):  # alternate, so both see the same machine state
        fb_runs.append(ours(binary, reps, threads))
        if torch is not None:
            pt_runs.append(torch_cases(reps))
    print(f"threads={threads} rounds={rounds} (medians of per-round medians, milliseconds)")
    header = f"{'case':30s} {'fastblock':>10s}"
    if torch is not None:
        header += f" {'torch ' + torch.__version__:>14s} {'ratio':>7s}"
    print(header)
    for case in fb_runs[0]:
        fb = statistics.median(r[case] for r in fb_runs)
        line = f"{case:30s} {fb:10.3f}"
        if torch is not None:
            pt = statistics.median(r[case] for r in pt_runs)
            line += f" {pt:14.3f} {pt / fb:7.2f}"
        print(line)
    if torch is None:
        print("(PyTorch not installed: install python3-torch to see ratios)")


if __name__ == "__main__":
    main()
