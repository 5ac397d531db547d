#!/usr/bin/env python3
"""Runs the DataBlock steps of bench_datablock in fastai and in fastblock, alternating, and prints
medians and ratios (fastai time / fastblock time: above 1 means fastblock is faster).

    /usr/bin/python3 bench/compare_datablock.py BUILD/bench/bench_datablock [REPEATS]

fastblock's program writes the synthetic PASCAL-like CSV; fastai reads the same file:
    df = pd.read_csv(csv)
    dblock = DataBlock(blocks=(TransformBlock, MultiCategoryBlock), get_x=ColReader('fname'),
                       get_y=ColReader('labels', label_delim=' '), splitter=ColSplitter())
    dsets = dblock.datasets(df)                          # split + vocabulary
    dls = dblock.dataloaders(df, bs=64, num_workers=0)   # one epoch of train and valid
Both use 2 threads. Run it on a quiet machine; needs fastai (2.7) and its torch. The figures in
README.md came from fastai on Debian's PyTorch 1.13:
    apt-get install python3-torch python3-pandas python3-matplotlib python3-sklearn python3-venv
    /usr/bin/python3 -m venv --system-site-packages /opt/fastai-venv
    /opt/fastai-venv/bin/pip install fastai==2.7.12 --no-deps
    /opt/fastai-venv/bin/pip install 'fastcore<1.6' fastprogress fastdownload
    /opt/fastai-venv/bin/python bench/compare_datablock.py build/.../bench/bench_datablock
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch

torch.set_num_threads(2)
from fastai.data.all import (ColReader, ColSplitter, DataBlock,  # noqa: E402
                             MultiCategoryBlock, TransformBlock)
import pandas as pd  # noqa: E402


def fastai_run(csv):
    t = {}
    t0 = time.perf_counter()
    df = pd.read_csv(csv)
    t["read_csv"] = time.perf_counter() - t0
    dblock = DataBlock(blocks=(TransformBlock, MultiCategoryBlock), get_x=ColReader("fname"),
                       get_y=ColReader("labels", label_delim=" "), splitter=ColSplitter())
    t0 = time.perf_counter()
    dblock.datasets(df)
    t["datasets"] = time.perf_counter() - t0
    dls = dblock.dataloaders(df, bs=64, num_workers=0)
    t0 = time.perf_counter()
    for dl in (dls.train, dls.valid):
        for _ in dl:
            pass
    t["epoch"] = time.perf_counter() - t0
    return t


def fastblock_run(exe, csv):
    out = subprocess.run([exe, "--repeats", "1", "--csv", csv], check=True, capture_output=True,
                         text=True, env=dict(os.environ, FASTBLOCK_NUM_THREADS="2")).stdout
    t = {"read_csv": float(re.search(r"read_csv\s+([\d.]+) s", out).group(1)),
         "datasets": float(re.search(r"datasets \(split \+ vocab setup\)\s+([\d.]+) s", out).group(1)),
         "epoch": float(re.search(r"num_workers 0\s+([\d.]+) s", out).group(1))}
    return t


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    exe = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) == 3 else 5
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "train.csv")
        ours, theirs = [], []
        for _ in range(repeats):
            ours.append(fastblock_run(exe, csv))
            theirs.append(fastai_run(csv))
    import fastai
    print(f"fastai {fastai.__version__}, torch {torch.__version__}, 2 threads, "
          f"median of {repeats}, alternating")
    print(f"{'step':12} {'fastai s':>10} {'fastblock s':>12} {'ratio':>8}")
    for key in ("read_csv", "datasets", "epoch"):
        a = statistics.median(t[key] for t in theirs)
        b = statistics.median(t[key] for t in ours)
        print(f"{key:12} {a:10.4f} {b:12.4f} {a / b:8.1f}")


if __name__ == "__main__":
    main()
