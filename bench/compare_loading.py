#!/usr/bin/env python3
"""Runs bench_loading's training data path in fastblock and torchvision's equivalent on the same
JPEGs, alternating, and prints images/second, peak memory and ratios (ours / torchvision: above 1
means fastblock is faster; ours pipeline / ours raw decode: 1 means the pipeline is decode-bound).

    /usr/bin/python3 bench/compare_loading.py BUILD/bench/bench_loading [--threads 1,2]
        [--rounds 3] [--epochs 5] [--warmup 1] [--images 400] [--data DIR] [--pin]

Use /usr/bin/python3: Debian's python3-torch and python3-torchvision are installed there. Without
torch, torchvision or PIL the torchvision side is skipped (said so) and only fastblock's runs.

The files: bench_loading --generate-only writes them (make_synthetic_pascal, 500x375 JPEGs at
quality 90, train.csv with --valid-fraction of the rows marked is_valid) into a temporary folder,
or into --data DIR, where a later run with the same --images and --valid-fraction reuses them. Both
sides read the rows of train.csv with is_valid False.

fastblock (bench_loading --threads N): DataBlock<ImageBlock, MultiCategoryBlock> with ColSplitter,
get_x, get_y, .item_tfms(RandomResizedCrop(128, {.min_scale = 0.35})),
.batch_tfms(Normalize::imagenet()), dls.train at bs 64 with num_workers = N (a pool of N threads;
FASTBLOCK_NUM_THREADS=N is set too): stb decode -> crop + bilinear resize -> ToTensor (uint8) ->
collate -> IntToFloatTensor -> Normalize on the batch. Raw decode: decode_image of the files from
memory on N threads.

torchvision (a child of this script): a torch Dataset over the same rows returning
(T.Compose([T.RandomResizedCrop(128, scale=(0.35, 1)), T.ToTensor(),
T.Normalize(imagenet mean, std)])(Image.open(f).convert("RGB")), the one-hot float target of its
labels over the training vocabulary), torch.utils.data.DataLoader(batch_size=64, shuffle=True,
drop_last=True, num_workers=N, persistent_workers=True) — persistent so that the timed epochs do
not pay for starting the worker processes, which fastblock's pool does not either. Raw decode:
Image.open(BytesIO(bytes)).convert("RGB") of the files from memory in a multiprocessing pool of N
processes (fork), started before the timing. PIL decodes JPEG with libjpeg-turbo.

Both sides: --warmup epochs (passes), then --epochs timed ones; a run's figure is the median of
its epochs, and the table shows the median over --rounds runs, the two programs alternating
(fastblock's first) so that a change in the machine's load hits both. With --pin both run under
`taskset -c` on the same N CPUs (the first N this script may use), workers included.

Memory (peak resident set, MiB): fastblock's is the whole process's (its loader threads share it):
the child's ru_maxrss from os.wait4, and its own figure after the pipeline runs (before the raw
decode pass loads the files into memory). torchvision's pipeline runs in 1 + N processes: the
main process's ru_maxrss and the largest worker's (RUSAGE_CHILDREN once the workers are joined),
and main + N x worker as the total; pages the workers share with the main process after fork are
counted in each, so that total is an upper bound. A child that only imports torch, torchvision
and PIL is measured alone for reference.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# This script's folder, for _common: `python3 -P` and `-I` leave it off sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import run_child, torch_env  # noqa: E402

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
TARGET_SPEEDUP, TARGET_DECODE_SHARE = 3.0, 0.70  # issue 5's targets


# --- the torchvision side, run in a child process ------------------------------------------------

def train_rows(data):
    """(path, labels) of the rows of data/train.csv with is_valid False."""
    import csv
    with open(os.path.join(data, "train.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return [(os.path.join(data, "train", r["fname"]), r["labels"].split(" "))
            for r in rows if r["is_valid"].strip().lower() not in ("true", "1")]


def _decode_chunk(indices):
    """Decodes the files at `indices` of the parent's _FILES (inherited through fork)."""
    import io
    from PIL import Image
    s = 0
    for i in indices:
        im = Image.open(io.BytesIO(_FILES[i])).convert("RGB")
        s += im.getpixel((im.width // 2, im.height // 2))[0]
    return s


_FILES = []


def torch_child(cfg):
    """The torchvision pipeline and PIL's raw decode; prints a JSON line of medians."""
    import multiprocessing
    import resource
    import torch
    import torchvision
    import torchvision.transforms as T
    from PIL import Image
    threads, data = cfg["threads"], cfg["data"]
    torch.set_num_threads(threads)
    torch.manual_seed(cfg["seed"])
    rows = train_rows(data)
    vocab = sorted({label for _, labels in rows for label in labels if label})
    index = {label: i for i, label in enumerate(vocab)}
    tfm = T.Compose([T.RandomResizedCrop(cfg["size"], scale=(0.35, 1.0)), T.ToTensor(),
                     T.Normalize(MEAN, STD)])

    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return len(rows)

        def __getitem__(self, i):
            path, labels = rows[i]
            x = tfm(Image.open(path).convert("RGB"))
            y = torch.zeros(len(vocab))
            y[[index[label] for label in labels if label]] = 1.0
            return x, y

    dl = torch.utils.data.DataLoader(Items(), batch_size=cfg["bs"], shuffle=True, drop_last=True,
                                     num_workers=threads, persistent_workers=True)
    rates, per_epoch, checksum = [], 0, 0.0
    for e in range(cfg["warmup"] + cfg["epochs"]):
        n = 0
        t0 = time.perf_counter()
        for x, y in dl:
            n += x.shape[0]
            checksum += float(x[0, 0, 0, 0]) + float(y[0, 0])  # touch the batch
        dt = time.perf_counter() - t0
        if n == 0:
            sys.exit("the training loader yields no batch; use more --images")
        per_epoch = n
        if e >= cfg["warmup"]:
            rates.append(n / dt)
    # Join the workers so that RUSAGE_CHILDREN holds the largest one's peak.
    it = dl._iterator
    if it is not None:
        it._shutdown_workers()
    del dl, it
    main_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    global _FILES
    _FILES = []
    for path, _ in rows:
        with open(path, "rb") as f:
            _FILES.append(f.read())
    chunks = [list(range(i, min(i + 4, len(_FILES)))) for i in range(0, len(_FILES), 4)]
    decode_rates = []
    with multiprocessing.get_context("fork").Pool(threads) as pool:
        for p in range(cfg["warmup"] + cfg["epochs"]):
            t0 = time.perf_counter()
            checksum += sum(pool.imap_unordered(_decode_chunk, chunks))
            dt = time.perf_counter() - t0
            if p >= cfg["warmup"]:
                decode_rates.append(len(_FILES) / dt)
    med = statistics.median
    print(json.dumps(dict(pipeline=med(rates), decode=med(decode_rates), per_epoch=per_epoch,
                          main_mib=main_mib, worker_mib=worker_mib,
                          total_mib=main_mib + threads * worker_mib, checksum=checksum,
                          torch=torch.__version__, torchvision=torchvision.__version__)))


# --- the parent: children, their peak memory, the table -------------------------------------------

def last_json(out):
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def pin_prefix(args, threads):
    if not args.pin:
        return []
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < threads:
        sys.exit(f"--pin: {threads} threads but only {len(cpus)} CPUs available")
    if not shutil.which("taskset"):
        sys.exit("--pin needs taskset (util-linux)")
    return ["taskset", "-c", ",".join(str(c) for c in cpus[:threads])]


def data_flags(args):
    return ["--images", str(args.images), "--valid-fraction", str(args.valid_fraction)]


def ours_run(args, data, threads):
    env = dict(os.environ, FASTBLOCK_NUM_THREADS=str(threads))
    cmd = pin_prefix(args, threads) + [
        args.exe, "--data", data, "--threads", str(threads), "--epochs", str(args.epochs),
        "--warmup", str(args.warmup), "--bs", str(args.bs), "--size", str(args.size),
        "--seed", str(args.seed)] + data_flags(args)
    out, rss = run_child(cmd, env)
    j = last_json(out)
    key = str(threads)
    return dict(pipeline=j["pipeline_images_per_s"][key], decode=j["decode_images_per_s"][key],
                per_epoch=j["images_per_epoch"], pipeline_mib=j["peak_rss_pipeline_mib"],
                total_mib=rss)


def torch_run(args, data, threads):
    cfg = dict(threads=threads, data=data, epochs=args.epochs, warmup=args.warmup, bs=args.bs,
               size=args.size, seed=args.seed)
    cmd = pin_prefix(args, threads) + [sys.executable, os.path.abspath(__file__),
                                       "--torch-child", json.dumps(cfg)]
    out, _ = run_child(cmd, torch_env(threads))
    return last_json(out)


def torch_available():
    """None when torch, torchvision and PIL import in this interpreter, else the reason."""
    p = subprocess.run([sys.executable, "-c", "import torch, torchvision, PIL"],
                       capture_output=True, text=True)
    if p.returncode == 0:
        return None
    lines = (p.stderr.strip() or "import failed").splitlines()
    return lines[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exe", nargs="?", help="bench_loading from a fastblock build")
    ap.add_argument("--threads", default="1,2", help="thread / worker counts, comma-separated")
    ap.add_argument("--rounds", type=int, default=3, help="alternating runs per thread count")
    ap.add_argument("--epochs", type=int, default=5, help="timed epochs per run")
    ap.add_argument("--warmup", type=int, default=1, help="untimed epochs per run")
    ap.add_argument("--images", type=int, default=400, help="images to generate")
    ap.add_argument("--valid-fraction", type=float, default=0.1,
                    help="share of the generated rows marked is_valid (not loaded)")
    ap.add_argument("--data", help="generate into (or reuse) this folder; default: a temporary one")
    ap.add_argument("--pin", action="store_true", help="taskset both sides to the same N CPUs")
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--torch-child", metavar="JSON", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_child:
        torch_child(json.loads(args.torch_child))
        return
    if not args.exe:
        ap.error("the path of bench_loading is required")
    args.exe = os.path.abspath(args.exe)
    thread_counts = [int(t) for t in args.threads.split(",")]
    med = statistics.median

    tmp = None
    if args.data:
        data = os.path.abspath(args.data)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="fastblock-compare-loading-")
        data = tmp.name
    try:
        out, _ = run_child([args.exe, "--data", data, "--generate-only"] + data_flags(args),
                           dict(os.environ))
        print(out.strip().splitlines()[0])
        gen = last_json(out)

        missing = torch_available()
        if missing:
            print(f"torchvision side skipped: {missing} ({sys.executable}; Debian's "
                  f"python3-torch and python3-torchvision are in /usr/bin/python3)")
        else:
            version = subprocess.run(
                [sys.executable, "-c", "import torch, torchvision, PIL; from PIL import features; "
                 "print(torch.__version__, torchvision.__version__, PIL.__version__, "
                 "features.check_feature('libjpeg_turbo'))"],
                check=True, capture_output=True, text=True).stdout.split()
            _, base_mib = run_child([sys.executable, "-c", "import torch, torchvision, PIL"],
                                    torch_env(1))
            print(f"torch {version[0]}, torchvision {version[1]}, Pillow {version[2]} "
                  f"(libjpeg-turbo: {version[3]}) in {sys.executable}; a child importing them "
                  f"only: {base_mib:.0f} MiB")
        print(f"{gen['train_images']} training images, bs {args.bs}, RandomResizedCrop("
              f"{args.size}, scale 0.35-1); medians of {args.rounds} rounds of {args.warmup} "
              f"warm-up + {args.epochs} timed epochs; {'pinned with taskset' if args.pin else 'not pinned'}")

        results = {}
        for threads in thread_counts:
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(ours_run(args, data, threads))
                if not missing:
                    theirs.append(torch_run(args, data, threads))
            o = {k: med(r[k] for r in ours) for k in ("pipeline", "decode")}
            o.update(pipeline_mib=max(r["pipeline_mib"] for r in ours),
                     total_mib=max(r["total_mib"] for r in ours), per_epoch=ours[0]["per_epoch"],
                     pipeline_over_decode=o["pipeline"] / o["decode"])
            res = {"ours": o}
            if theirs:
                t = {k: med(r[k] for r in theirs) for k in ("pipeline", "decode")}
                t.update({k: max(r[k] for r in theirs) for k in ("main_mib", "worker_mib",
                                                                  "total_mib")})
                t["pipeline_over_decode"] = t["pipeline"] / t["decode"]
                res["torchvision"] = t
                res["pipeline_ratio"] = o["pipeline"] / t["pipeline"]
                res["decode_ratio"] = o["decode"] / t["decode"]
            results[threads] = res
            print(f"\n{threads} thread{'s' if threads > 1 else ''} / worker"
                  f"{'s' if threads > 1 else ''}:")
            line = f"  pipeline    ours {o['pipeline']:8.1f} img/s"
            if theirs:
                line += (f"   torchvision {t['pipeline']:8.1f} img/s   ours/torchvision "
                         f"{res['pipeline_ratio']:.2f}")
            print(line)
            line = f"  raw decode  ours {o['decode']:8.1f} img/s"
            if theirs:
                line += (f"   PIL         {t['decode']:8.1f} img/s   ours/PIL         "
                         f"{res['decode_ratio']:.2f}")
            print(line)
            line = f"  pipeline / raw decode: ours {o['pipeline_over_decode']:.2f}"
            if theirs:
                line += f", torchvision {t['pipeline_over_decode']:.2f}"
            print(line)
            line = (f"  peak MiB    ours {o['pipeline_mib']:.0f} (pipeline), "
                    f"{o['total_mib']:.0f} (whole run)")
            if theirs:
                line += (f"   torchvision main {t['main_mib']:.0f} + {threads} x worker "
                         f"{t['worker_mib']:.0f} = {t['total_mib']:.0f} (upper bound)")
            print(line, flush=True)

        print(f"\nissue 5's targets: ours/torchvision >= {TARGET_SPEEDUP:g} and pipeline/raw "
              f"decode >= {TARGET_DECODE_SHARE:.2f}")
        for threads, res in results.items():
            share = res["ours"]["pipeline_over_decode"]
            line = (f"  {threads} thread{'s' if threads > 1 else ' '}: pipeline/raw decode "
                    f"{share:.2f} ({'met' if share >= TARGET_DECODE_SHARE else 'not met'})")
            if "pipeline_ratio" in res:
                r = res["pipeline_ratio"]
                line += (f", ours/torchvision {r:.2f} "
                         f"({'met' if r >= TARGET_SPEEDUP else 'not met'})")
            print(line)

        def by_threads(f):
            return {str(k): round(f(v), 3) for k, v in results.items() if f(v) is not None}

        summary = dict(
            bench="compare_loading", images=gen["images"], train_images=gen["train_images"],
            bs=args.bs, size=args.size, rounds=args.rounds, epochs=args.epochs,
            pinned=args.pin, threads=thread_counts, torchvision_skipped=missing,
            ours_pipeline=by_threads(lambda r: r["ours"]["pipeline"]),
            ours_decode=by_threads(lambda r: r["ours"]["decode"]),
            ours_pipeline_over_decode=by_threads(lambda r: r["ours"]["pipeline_over_decode"]),
            ours_peak_mib=by_threads(lambda r: r["ours"]["pipeline_mib"]))
        if not missing:
            summary.update(
                torch=version[0], torchvision=version[1], pillow=version[2],
                torchvision_pipeline=by_threads(lambda r: r["torchvision"]["pipeline"]),
                pil_decode=by_threads(lambda r: r["torchvision"]["decode"]),
                torchvision_pipeline_over_decode=by_threads(
                    lambda r: r["torchvision"]["pipeline_over_decode"]),
                torchvision_peak_mib=by_threads(lambda r: r["torchvision"]["total_mib"]),
                ours_over_torchvision=by_threads(lambda r: r["pipeline_ratio"]),
                ours_decode_over_pil=by_threads(lambda r: r["decode_ratio"]))
        print(json.dumps(summary))
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
