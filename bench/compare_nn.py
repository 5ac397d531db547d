#!/usr/bin/env python3
"""Runs bench_nn's steps in PyTorch and in fastblock, alternating, and prints images/second, peak
memory and ratios (fastblock / PyTorch: above 1 means fastblock is faster).

    /usr/bin/python3 bench/compare_nn.py BUILD/bench/bench_nn [--threads 1,2] [--rounds 3]
        [--repeats 3] [--cases resnet18:64,resnet18:128,resnet50:64] [--bs 64]

The PyTorch side builds the same model: torchvision's body (children()[:-2]) and fastai's head as
torch.nn layers (AdaptiveConcatPool2d = cat of max and average pooling, Flatten, BatchNorm1d,
Dropout, Linear without bias, ReLU, BatchNorm1d, Dropout, Linear), BCEWithLogitsLoss on 20 outputs,
batch 64 of random data. A training step is, as in bench_nn, zero_grad + forward + loss + backward
+ optimizer step, the optimizer being torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.99), eps=1e-5,
weight_decay=0.01) with its default implementation (fastai's Adam, which bench_nn runs through
cpu_kernels::adam_step); inference is an eval-mode forward under no_grad.

Every case (model and size) runs with each thread count: FASTBLOCK_NUM_THREADS for fastblock,
torch.set_num_threads (and OMP_NUM_THREADS) for PyTorch. Each round runs fastblock's program once
(median of its repeats) and then PyTorch's (median of the same number of steps), each in its own
child process, so a case's peak memory is its own: the child's ru_maxrss from os.wait4, which for
PyTorch includes the imported torch and torchvision libraries (measured alone below). The script
prints the medians over rounds, the largest peak over rounds, and both sides' share of the
machine's fp32 peak as bench_nn measures it: the model's training FLOPs (3 x 2 x the multiply-adds
of its convolutions and linear layers) per second over the GFLOP/s of an FMA microbenchmark with
the widest vector FMA the CPU has, on the same number of threads.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

# This script's folder, for _common: `python3 -P` and `-I` leave it off sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import run_child, torch_env  # noqa: E402

CASES = "resnet18:64,resnet18:128,resnet50:64"


# --- the PyTorch side, run in a child process -------------------------------------------------

def torch_model(name):
    import torch
    import torchvision

    class ConcatPool(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.mp, self.ap = torch.nn.AdaptiveMaxPool2d(1), torch.nn.AdaptiveAvgPool2d(1)

        def forward(self, x):
            return torch.cat([self.mp(x), self.ap(x)], 1)

    m = getattr(torchvision.models, name)()
    body = torch.nn.Sequential(*list(m.children())[:-2])
    nf = 2 * (2048 if name == "resnet50" else 512)
    head = torch.nn.Sequential(ConcatPool(), torch.nn.Flatten(), torch.nn.BatchNorm1d(nf),
                               torch.nn.Dropout(0.25), torch.nn.Linear(nf, 512, bias=False),
                               torch.nn.ReLU(inplace=True), torch.nn.BatchNorm1d(512),
                               torch.nn.Dropout(0.5), torch.nn.Linear(512, 20, bias=False))
    return torch.nn.Sequential(body, head)


def torch_child(name, size, threads, repeats, bs):
    """One case in PyTorch; prints a JSON line of medians."""
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = torch_model(name)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, betas=(0.9, 0.99), eps=1e-5,
                            weight_decay=0.01)
    x, t = torch.randn(bs, 3, size, size), (torch.rand(bs, 20) < 0.2).float()
    loss = torch.nn.BCEWithLogitsLoss()
    fwd, bwd, step, train, infer = [], [], [], [], []
    for r in range(repeats + 1):  # the first step warms up allocations
        net.train()
        t0 = time.perf_counter()
        opt.zero_grad()
        t1 = time.perf_counter()
        out = loss(net(x), t)
        t2 = time.perf_counter()
        out.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        net.eval()
        with torch.no_grad():
            net(x)
        t5 = time.perf_counter()
        if r:
            fwd.append(t2 - t1)
            bwd.append(t3 - t2)
            step.append((t1 - t0) + (t4 - t3))
            train.append(t4 - t0)
            infer.append(t5 - t4)
    med = statistics.median
    print(json.dumps(dict(train=bs / med(train), infer=bs / med(infer), fwd=med(fwd),
                          bwd=med(bwd), opt=med(step), loss=float(out), torch=torch.__version__)))


# --- the parent: children, their peak memory, the table -----------------------------------------

def fastblock_case(exe, name, size, threads, repeats, bs):
    env = dict(os.environ, FASTBLOCK_NUM_THREADS=str(threads))
    out, rss = run_child([exe, "--model", name, "--size", str(size), "--bs", str(bs), "--repeats",
                          str(repeats)], env)
    m = re.search(r"train\s+([\d.]+) img/s \(fwd ([\d.]+) s, bwd ([\d.]+) s, opt ([\d.]+) s\)", out)
    share = re.search(r"share of fp32 peak: [\d.]+% \(model ([\d.eE+-]+) GFLOP/img .*"
                      r"measured FMA peak ([\d.]+) GFLOP/s", out)
    return dict(train=float(m.group(1)), fwd=float(m.group(2)), bwd=float(m.group(3)),
                opt=float(m.group(4)),
                infer=float(re.search(r"inference\s+([\d.]+) img/s", out).group(1)),
                gflop_per_img=float(share.group(1)), peak_gflops=float(share.group(2)), rss=rss)


def torch_case(name, size, threads, repeats, bs):
    out, rss = run_child([sys.executable, os.path.abspath(__file__), "--torch-child", name,
                          str(size), str(threads), str(repeats), str(bs)], torch_env(threads))
    return dict(json.loads(out.strip().splitlines()[-1]), rss=rss)


def torch_baseline_mib():
    """Peak memory of a child that only imports torch and torchvision."""
    _, rss = run_child([sys.executable, "-c", "import torch, torchvision"], torch_env(1))
    return rss


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exe", nargs="?", help="bench_nn from a fastblock build")
    ap.add_argument("--threads", default="1,2", help="thread counts, comma-separated")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per case")
    ap.add_argument("--repeats", type=int, default=3, help="timed steps per run")
    ap.add_argument("--cases", default=CASES, help="model:size pairs, comma-separated")
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--torch-child", nargs=5, metavar=("MODEL", "SIZE", "THREADS", "REPEATS",
                                                       "BS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_child:
        name, size, threads, repeats, bs = args.torch_child
        torch_child(name, int(size), int(threads), int(repeats), int(bs))
        return
    if not args.exe:
        ap.error("the path of bench_nn is required")
    thread_counts = [int(t) for t in args.threads.split(",")]
    cases = [(c.split(":")[0], int(c.split(":")[1])) for c in args.cases.split(",")]
    med = statistics.median

    version = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                             check=True, capture_output=True, text=True).stdout.strip()
    print(f"torch {version} ({sys.executable}), batch {args.bs}, medians of {args.rounds} "
          f"rounds of {args.repeats} steps; a step is zero_grad + forward + BCEWithLogits + "
          f"backward + Adam(W)")
    print(f"PyTorch child importing torch and torchvision only: {torch_baseline_mib():.0f} MiB")
    print(f"{'case':15} {'thr':>3} {'ours train':>10} {'torch train':>11} {'ratio':>5} "
          f"{'ours infer':>10} {'torch infer':>11} {'ratio':>5} {'ours MiB':>8} {'torch MiB':>9} "
          f"{'ours peak%':>10} {'torch peak%':>11}")
    details = []
    for name, size in cases:
        for threads in thread_counts:
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(fastblock_case(args.exe, name, size, threads, args.repeats, args.bs))
                theirs.append(torch_case(name, size, threads, args.repeats, args.bs))
            o = {k: med(r[k] for r in ours) for k in ("train", "infer", "fwd", "bwd", "opt",
                                                      "gflop_per_img", "peak_gflops")}
            t = {k: med(r[k] for r in theirs) for k in ("train", "infer", "fwd", "bwd", "opt")}
            o_rss, t_rss = max(r["rss"] for r in ours), max(r["rss"] for r in theirs)
            # Both sides against the same yardstick: the model's FLOPs and the FMA peak measured
            # by bench_nn on this thread count.
            o_share = 100 * o["gflop_per_img"] * o["train"] / o["peak_gflops"]
            t_share = 100 * o["gflop_per_img"] * t["train"] / o["peak_gflops"]
            label = f"{name} {size}px"
            print(f"{label:15} {threads:3d} {o['train']:10.1f} {t['train']:11.1f} "
                  f"{o['train'] / t['train']:5.2f} {o['infer']:10.1f} {t['infer']:11.1f} "
                  f"{o['infer'] / t['infer']:5.2f} {o_rss:8.0f} {t_rss:9.0f} "
                  f"{o_share:9.1f}% {t_share:10.1f}%", flush=True)
            details.append(
                f"{label:15} {threads:3d}  ours fwd/bwd/opt {o['fwd']:.3f}/{o['bwd']:.3f}/"
                f"{o['opt']:.3f} s  torch {t['fwd']:.3f}/{t['bwd']:.3f}/{t['opt']:.3f} s  "
                f"({o['gflop_per_img']:.3g} GFLOP/img, FMA peak {o['peak_gflops']:.0f} GFLOP/s)")
    print("\nmedian seconds per step (opt = zero_grad + optimizer step):")
    for line in details:
        print(line)


if __name__ == "__main__":
    main()
