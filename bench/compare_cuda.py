#!/usr/bin/env python3
"""PyTorch's figures for bench/bench_cuda.cpp's training step, on the same GPU.

The same step: torchvision resnet18/resnet50 with a 20-way fc, BCEWithLogitsLoss, fastai's Adam
(AdamW with betas 0.9/0.99, eps 1e-5, weight decay 0.01; PyTorch's fused CUDA kernel), batch 256,
inputs already on the GPU, cudnn.benchmark on. Run twice: FP32 (TF32 off; compared with
fastblock's strict and fp32 math modes) and with TF32 (PyTorch's default for convolutions;
compared with fastblock's default tf32 mode). With --ours results.jsonl (bench_cuda --json) it
prints fastblock's figures under PyTorch's and the ratios (>1: fastblock is faster).

    python3 bench/compare_cuda.py --ours results.jsonl [--models resnet18,resnet50]
"""
import argparse
import json
import time

import torch
import torchvision


def measure(name, size, bs, steps, warmup, tf32):
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(1)
    model = getattr(torchvision.models, name)(num_classes=20).cuda()
    x = torch.randn(bs, 3, size, size, device="cuda")
    y = (torch.rand(bs, 20, device="cuda") > 0.8).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.99), eps=1e-5,
                            weight_decay=0.01, fused=True)

    def step():
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()

    model.train()
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    train = bs * steps / (time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() / 2**30
    model.eval()
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(steps):
            model(x)
        torch.cuda.synchronize()
    infer = bs * steps / (time.perf_counter() - t0)
    del model, opt
    torch.cuda.empty_cache()
    return train, infer, peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", help="bench_cuda --json output")
    ap.add_argument("--models", default="resnet18,resnet50")
    ap.add_argument("--sizes", default="128,224")
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    ours = {}
    if a.ours:
        with open(a.ours) as f:
            for line in f:
                r = json.loads(line)
                ours[(r["model"], r["size"], r["math"])] = r
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
    print(f"{'model':9} {'size':>4} {'math':>6} | {'torch train':>11} {'torch infer':>11} "
          f"{'torch GiB':>9} | {'ours train':>10} {'ours infer':>10} {'ours GiB':>8} | "
          f"{'train ratio':>11} {'infer ratio':>11}")
    # fastblock's strict and fp32 modes both compare with PyTorch in FP32; tf32 with TF32.
    for name in a.models.split(","):
        for size in map(int, a.sizes.split(",")):
            for tf32, modes in ((False, ("strict", "fp32")), (True, ("tf32",))):
                train, infer, peak = measure(name, size, a.bs, a.steps, a.warmup, tf32=tf32)
                torch_mode = "tf32" if tf32 else "fp32"
                print(f"{name:9} {size:4} {'torch ' + torch_mode:>6} | {train:11.1f} "
                      f"{infer:11.1f} {peak:9.2f} |", flush=True)
                for mode in modes:
                    o = ours.get((name, size, mode))
                    if o:
                        print(f"{name:9} {size:4} {mode:>6} | {'':11} {'':11} {'':9} | "
                              f"{o['train_ips']:10.1f} {o['infer_ips']:10.1f} "
                              f"{o['peak_gib']:8.2f} | {o['train_ips'] / train:10.2f}x "
                              f"{o['infer_ips'] / infer:10.2f}x", flush=True)

if __name__ == "__main__":
    main()
