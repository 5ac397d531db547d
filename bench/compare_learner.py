#!/usr/bin/env python3
"""Trains the seed's multi-label program in fastai 2.7 and in fastblock on the same generated
PASCAL-format data with the same settings, alternating runs, and prints both epoch tables, the
median seconds per epoch of each, their ratio (fastai s/epoch / ours: above 1 means fastblock is
faster) and the final metrics of each, then one JSON line.

    /usr/bin/python3 bench/compare_learner.py --build BUILD [--repeats 3] [--threads 2]
        [--rows 1200] [--arch resnet18] [--size 64] [--bs 64] [--epochs 4] [--lr X]
        [--schedule one_cycle|fine_tune] [--freeze-epochs 4] [--thresh 0.2] [--seed 42]
        [--same-seed] [--data DIR] [--keep-data] [--no-pin] [--workers N]
        [--ours EXE] [--make-dataset EXE] [--ours-extra "ARGS"] [--only ours|fastai]

Ours is BUILD/examples/multilabel_pascal (or BUILD/examples/multilabel, the seed's program before
it took flags, which gets --rows and FASTBLOCK_NUM_THREADS instead of --threads/--seed/
--schedule); --ours EXE names another. The data is generated once, by BUILD/examples/make_dataset
<tmp> --rows N (fastblock's synthetic PASCAL_2007: train.csv with fname,labels,is_valid and
train/*.jpg), into a temporary folder removed at the end (--keep-data keeps it); --data DIR uses
an existing PASCAL-format folder instead (the real PASCAL_2007 works). Without make_dataset and
with the old `multilabel`, ours' first run generates it (--data DIR --rows N). Ours gets --rows
with the count in the folder's generator marker (.fastblock-synthetic), since it regenerates a
marked folder whose options differ from its flags; a folder without a marker gets no --rows.

Runs alternate ours, fastai, ours, fastai... (--repeats rounds). Round i uses seed + i on both
sides (--same-seed: seed every time), so the spread over rounds is the seed-to-seed noise. Both
sides get the same thread budget N (--threads): ours `--threads N` and FASTBLOCK_NUM_THREADS=N;
fastai torch.set_num_threads(N), set_num_interop_threads(N), OMP/MKL_NUM_THREADS=N and
DataLoader num_workers=N (--workers changes only fastai's); and by default both children are
pinned (sched_setaffinity) to the same N CPUs, so fastai's worker processes cannot spill onto
other cores (--no-pin: not pinned).

The fastai side, run in a child process, is the C++ example's program written in fastai:

    df = pd.read_csv(path/'train.csv')
    def get_x(r): return path/'train'/r['fname']
    def get_y(r): return r['labels'].split(' ')
    dblock = DataBlock(blocks=(ImageBlock, MultiCategoryBlock), splitter=ColSplitter('is_valid'),
                       get_x=get_x, get_y=get_y,
                       item_tfms=RandomResizedCrop(size, min_scale=0.35),
                       batch_tfms=Normalize.from_stats(*imagenet_stats))
    dls = dblock.dataloaders(df, bs=bs, num_workers=N)
    learn = vision_learner(dls, resnet18, pretrained=False,
                           metrics=partial(accuracy_multi, thresh=thresh))
    learn.fit_one_cycle(epochs, lr)     # or learn.fine_tune(epochs, base_lr=lr, freeze_epochs=F)
    preds, targs = learn.get_preds()    # accuracy_multi, f1_samples, the seed's threshold sweep

(vision_learner is cnn_learner's 2.7 name; with pretrained=False fastai neither adds Normalize
nor freezes, hence the explicit batch_tfms, as in the C++ DataBlock.) Seconds per epoch are
measured by a callback from before_epoch to after_epoch (training and validation, as fastai's
time column); ours are the JSON line's seconds_per_epoch, or, from a binary that prints no JSON,
the time between the epoch table's lines as they arrive (header to first row, row to row).
f1_samples is sklearn's f1_score(average='samples', zero_division=0) of (preds >= thresh), the
rule of fastai's F1ScoreMulti; best_thresh the seed's sweep over linspace(0.05, 0.95, 29).

The script skips (prints why, exits 0) when fastai, torch or torchvision cannot be imported by
this interpreter. Installing fastai 2.7 on Debian 12 without a second torch from PyPI (torch and
torchvision come from Debian, 1.13.1 and 0.14.1):

    apt-get install -y python3-torch python3-torchvision python3-pandas python3-matplotlib \\
        python3-sklearn python3-scipy python3-yaml python3-requests python3-pil python3-packaging
    /usr/bin/python3 -m pip install --break-system-packages --no-deps fastai==2.7.19
    /usr/bin/python3 -m pip install --break-system-packages "fastcore>=1.5.29,<1.8" \\
        "fastdownload>=0.0.5,<2" "fastprogress>=0.2.4"
    # -> fastai 2.7.19, fastcore 1.7.29, fastdownload 0.0.8, fastprogress 1.0.5; `pip check`
    #    then only misses spacy, which fastai.text needs and fastai.vision does not.
"""
import argparse
import json
import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# --- the fastai side, run in a child process ----------------------------------------------------


def fastai_child(cfg):
    """Trains once in fastai; prints fastai's epoch table(s) and one JSON line."""
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    torch.set_num_threads(cfg["threads"])
    try:
        torch.set_num_interop_threads(cfg["threads"])
    except RuntimeError:
        pass
    import fastai
    import numpy as np
    import pandas as pd
    from functools import partial
    from pathlib import Path
    from fastai.vision.all import (Callback, ColSplitter, DataBlock, ImageBlock,
                                   MultiCategoryBlock, Normalize, RandomResizedCrop,
                                   accuracy_multi, imagenet_stats, set_seed)
    import fastai.vision.all as fv
    from sklearn.metrics import f1_score

    make_learner = getattr(fv, "vision_learner", None) or fv.cnn_learner
    set_seed(cfg["seed"])
    path = Path(cfg["data"])
    df = pd.read_csv(path / "train.csv")
    if df["is_valid"].dtype != bool:  # quoted or odd spellings: read them as the C++ side does
        df["is_valid"] = df["is_valid"].astype(str).str.strip().str.lower().isin(["true", "1"])

    def get_x(r): return path / "train" / r["fname"]
    def get_y(r): return r["labels"].split(" ")

    dblock = DataBlock(blocks=(ImageBlock, MultiCategoryBlock), splitter=ColSplitter("is_valid"),
                       get_x=get_x, get_y=get_y,
                       item_tfms=RandomResizedCrop(cfg["size"], min_scale=0.35),
                       batch_tfms=Normalize.from_stats(*imagenet_stats))
    dls = dblock.dataloaders(df, bs=cfg["bs"], num_workers=cfg["workers"])
    arch = getattr(fv, cfg["arch"])
    learn = make_learner(dls, arch, pretrained=False,
                         metrics=partial(accuracy_multi, thresh=cfg["thresh"]))

    class EpochTimer(Callback):
        def before_fit(self): self.times = getattr(self, "times", [])
        def before_epoch(self): self.t0 = time.perf_counter()
        def after_epoch(self): self.times.append(time.perf_counter() - self.t0)

    timer = EpochTimer()
    learn.add_cb(timer)
    if cfg["schedule"] == "fine_tune":
        learn.fine_tune(cfg["epochs"], base_lr=cfg["lr"], freeze_epochs=cfg["freeze_epochs"])
    else:
        learn.fit_one_cycle(cfg["epochs"], cfg["lr"])
    sys.stdout.flush()

    learn.remove_cb(timer)  # get_preds runs the epoch events too
    valid_loss = float(learn.recorder.values[-1][1])
    with learn.no_bar():
        preds, targs = learn.get_preds()
    acc = float(accuracy_multi(preds, targs, thresh=cfg["thresh"], sigmoid=False))
    xs = torch.linspace(0.05, 0.95, 29)
    accs = [float(accuracy_multi(preds, targs, thresh=float(t), sigmoid=False)) for t in xs]
    best = int(np.argmax(accs))
    f1 = f1_score(targs.numpy().astype(bool), (preds >= cfg["thresh"]).numpy(),
                  average="samples", zero_division=0)
    print(json.dumps(dict(
        n_train=len(dls.train_ds), n_valid=len(dls.valid_ds), vocab=list(map(str, dls.vocab)),
        valid_loss=valid_loss, seconds_per_epoch=timer.times, accuracy_multi=acc,
        best_thresh=float(xs[best]), best_accuracy_multi=accs[best], f1_samples=float(f1),
        fastai=fastai.__version__, torch=torch.__version__)), flush=True)


# --- reading a program's output -----------------------------------------------------------------

TIME_RE = re.compile(r"^\d+(:\d\d)+$")
NUM_RE = re.compile(r"^(-?\d+(\.\d*)?([eE][-+]?\d+)?|-?inf|nan|#na#)$", re.IGNORECASE)


def clean(line):
    """The text a terminal would show last on this line: progress bars redraw after '\\r'."""
    parts = [p for p in line.rstrip("\n").split("\r") if p.strip()]
    return parts[-1].rstrip() if parts else ""


def parse_tables(lines):
    """fastai's epoch tables in `lines` of (timestamp, text): a list of dicts with `columns`,
    `header` (the header line's (t, text)) and `rows` ((t, text, cells) per epoch row)."""
    tables, cur = [], None
    for t, text in lines:
        cells = text.split()
        if len(cells) >= 4 and cells[0] == "epoch" and cells[1] == "train_loss" \
                and cells[-1] == "time":
            cur = dict(columns=cells, header=(t, text), rows=[])
            tables.append(cur)
        elif cur is not None and len(cells) == len(cur["columns"]) and cells[0].isdigit() \
                and TIME_RE.match(cells[-1]) and all(NUM_RE.match(c) for c in cells[1:-1]):
            cur["rows"].append((t, text, cells))
        # Anything else (fastprogress's bars between fastai's rows, our other output) is
        # skipped; a table ends where the next header starts.
    return tables


def parse_json(lines):
    """The last line that is a JSON object, or None."""
    for _, text in reversed(lines):
        s = text.strip()
        if s.startswith("{") and s.endswith("}"):
            try:
                obj = json.loads(s)
            except ValueError:
                continue
            if isinstance(obj, dict):
                return obj
    return None


def to_float(cell):
    try:
        return float(cell)
    except ValueError:
        return math.nan


def mmss(cell):
    s = 0
    for part in cell.split(":"):
        s = 60 * s + int(part)
    return s


def summarise(lines):
    """Tables, JSON and the figures the comparison needs from one run's output."""
    tables, js = parse_tables(lines), parse_json(lines)
    rows = [r for tb in tables for r in tb["rows"]]
    # The time between a table's lines as they arrived: header to first row, row to row.
    arrival = []
    for tb in tables:
        prev = tb["header"][0]
        for t, _, _ in tb["rows"]:
            arrival.append(t - prev)
            prev = t
    res = dict(tables=tables, json=js, epochs=len(rows), arrival=arrival,
               table_sizes=[len(tb["rows"]) for tb in tables])
    last = dict(zip(tables[-1]["columns"], rows[-1][2])) if rows else {}
    spe = js.get("seconds_per_epoch") if js else None
    if isinstance(spe, (int, float)):
        spe = [float(spe)]
    if isinstance(spe, list) and spe and all(isinstance(x, (int, float)) for x in spe):
        res["seconds"], res["seconds_from"] = [float(x) for x in spe], "json"
    elif arrival:
        res["seconds"], res["seconds_from"] = arrival, "line arrival"
    else:
        res["seconds"], res["seconds_from"] = [float(mmss(r[2][-1])) for r in rows], "mm:ss"
    for key in ("valid_loss", "accuracy_multi"):
        v = js.get(key) if js else None
        res[key] = float(v) if isinstance(v, (int, float)) else to_float(last.get(key, "nan"))
    for key in ("f1_samples", "best_thresh", "best_accuracy_multi", "n_train", "n_valid"):
        v = js.get(key) if js else None
        res[key] = v if isinstance(v, (int, float)) else None
    return res


# --- the parent ---------------------------------------------------------------------------------


def find_exe(explicit, build, names):
    if explicit:
        return os.path.abspath(explicit) if os.access(explicit, os.X_OK) else None
    if not build:
        return None
    for name in names:
        for sub in ("examples", "", "bin"):
            p = os.path.join(build, sub, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return os.path.abspath(p)
    return None


def pinned(cpus):
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def run_child(cmd, env, cpus, label):
    """Runs cmd; returns its stdout as (seconds since start, cleaned line) pairs and the wall time.
    Exits with the output's tail when it fails."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, text=True,
                             errors="replace", preexec_fn=pinned(cpus))
        lines = [(time.perf_counter() - t0, clean(raw)) for raw in p.stdout]
        p.wait()
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            err.seek(0)
            tail = "\n".join(text for _, text in lines[-30:])
            sys.exit(f"{label} failed ({p.returncode}): {shlex.join(cmd)}\n{tail}\n"
                     f"{err.read().decode(errors='replace')[-4000:]}")
    return lines, wall


def thread_env(threads):
    n = str(threads)
    return dict(os.environ, FASTBLOCK_NUM_THREADS=n, OMP_NUM_THREADS=n, MKL_NUM_THREADS=n,
                OPENBLAS_NUM_THREADS=n, PYTHONUNBUFFERED="1")


def generated_rows(data):
    """n_rows from the marker fastblock's generator leaves in a folder it wrote, or None."""
    try:
        with open(os.path.join(data, ".fastblock-synthetic")) as f:
            for line in f:
                if line.startswith("n_rows "):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def ours_cmd(args, exe, data, seed, rows, thresh, freeze_epochs):
    """Our command line. A folder with the generator's marker is regenerated by our program
    when its options differ, so --rows repeats the marker's count (the default, 1200, would
    rewrite a folder of another size under fastai's feet); a user's own folder gets no --rows."""
    old = os.path.basename(exe) == "multilabel"  # the seed's program before its flags
    cmd = [exe, "--data", data, "--arch", args.arch, "--size", str(args.size), "--bs",
           str(args.bs), "--epochs", str(args.epochs), "--lr", repr(args.lr)]
    if old:
        cmd += ["--rows", str(rows or args.rows)]
        if args.schedule != "one_cycle":
            sys.exit("the old examples/multilabel runs fine_tune only with --pretrained; "
                     "use multilabel_pascal or --schedule one_cycle")
    else:
        cmd += ["--schedule", args.schedule, "--seed", str(seed), "--threads", str(args.threads),
                "--thresh", repr(thresh)]
        if rows:
            cmd += ["--rows", str(rows)]
        if args.schedule == "fine_tune":
            cmd += ["--freeze-epochs", str(freeze_epochs)]
    return cmd + shlex.split(args.ours_extra)


def print_run(label, lines, res, wall):
    print(f"--- {label} (wall {wall:.1f} s)")
    for tb in res["tables"]:
        print(tb["header"][1])
        for _, text, _ in tb["rows"]:
            print(text)
    if not res["tables"]:
        print("(no epoch table found in its output; last lines:)")
        for _, text in lines[-10:]:
            print("  " + text)
    secs = ", ".join(f"{s:.2f}" for s in res["seconds"])
    print(f"seconds per epoch ({res['seconds_from']}): {secs}")
    f1 = "-" if res["f1_samples"] is None else f"{res['f1_samples']:.4f}"
    print(f"valid_loss {res['valid_loss']:.6f}  accuracy_multi {res['accuracy_multi']:.6f}  "
          f"f1_samples {f1}", flush=True)


def no_nan(obj):
    """obj with NaN replaced by None, so the JSON line is JSON."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [no_nan(v) for v in obj]
    return obj


def med(xs):
    xs = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return statistics.median(xs) if xs else math.nan


def spread(xs):
    xs = [x for x in xs if x is not None and not math.isnan(x)]
    return (min(xs), max(xs)) if xs else (math.nan, math.nan)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", help="a fastblock build folder (holds examples/multilabel_pascal)")
    ap.add_argument("--ours", help="our program instead of BUILD/examples/multilabel_pascal")
    ap.add_argument("--make-dataset", help="make_dataset instead of BUILD/examples/make_dataset")
    ap.add_argument("--data", help="an existing PASCAL-format folder instead of generating one")
    ap.add_argument("--keep-data", action="store_true", help="keep the generated folder")
    ap.add_argument("--rows", type=int, default=1200, help="rows of the generated train.csv")
    ap.add_argument("--repeats", type=int, default=3, help="alternating rounds")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, help="fastai's num_workers (default: --threads)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin both to the same CPUs")
    ap.add_argument("--arch", default="resnet18", choices=["resnet18", "resnet34", "resnet50"])
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--lr", type=float,
                    help="lr_max of one_cycle (default 1e-2) or base_lr of fine_tune (default "
                         "3e-3, the seed's); both are ours' defaults too")
    ap.add_argument("--schedule", default="one_cycle", choices=["one_cycle", "fine_tune"])
    ap.add_argument("--freeze-epochs", type=int, default=4,
                    help="fine_tune's frozen epochs, for both (the seed's 4, ours' default)")
    ap.add_argument("--thresh", type=float, default=0.2,
                    help="accuracy_multi's and f1_samples', for both (the seed's 0.2)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--same-seed", action="store_true", help="every round uses --seed")
    ap.add_argument("--ours-extra", default="", help="more arguments for our program")
    ap.add_argument("--only", choices=["ours", "fastai"], help="run one side only")
    ap.add_argument("--fastai-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    thresh = args.thresh
    if args.lr is None:
        args.lr = 3e-3 if args.schedule == "fine_tune" else 1e-2
    if args.fastai_child:
        fastai_child(json.loads(args.fastai_child))
        return

    probe = subprocess.run(
        [sys.executable, "-c", "import torch, torchvision, fastai, fastai.vision.all; "
         "print(fastai.__version__, torch.__version__, torchvision.__version__)"],
        capture_output=True, text=True)
    if probe.returncode != 0 and args.only != "ours":
        why = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        print(f"compare_learner: skipped: {sys.executable} cannot import fastai, torch and "
              f"torchvision ({why}); see this script's docstring for the install commands")
        return
    versions = probe.stdout.split() if probe.returncode == 0 else ["-", "-", "-"]

    ours = None
    if args.only != "fastai":
        ours = find_exe(args.ours, args.build, ["multilabel_pascal", "multilabel"])
        if not ours:
            sys.exit("compare_learner: our program not found: give --build BUILD (holding "
                     "examples/multilabel_pascal) or --ours EXE")
    ours_old = ours is not None and os.path.basename(ours) == "multilabel"

    tmp = None
    if args.data:
        data = os.path.abspath(args.data)
        if not os.path.isfile(os.path.join(data, "train.csv")):
            sys.exit(f"compare_learner: {data}/train.csv not found")
    else:
        tmp = tempfile.mkdtemp(prefix="compare_learner_")
        data = os.path.join(tmp, "pascal")
        maker = find_exe(args.make_dataset, args.build, ["make_dataset"])
        if maker:
            t0 = time.perf_counter()
            subprocess.run([maker, data, "--rows", str(args.rows)], check=True,
                           stdout=subprocess.DEVNULL)
            print(f"generated {args.rows} rows into {data} with {maker} "
                  f"({time.perf_counter() - t0:.1f} s)")
        elif ours_old:
            print(f"no make_dataset: our first run generates {args.rows} rows into {data}")
        else:
            sys.exit("compare_learner: no make_dataset in BUILD/examples: give --make-dataset "
                     "EXE or --data DIR")

    allowed = sorted(os.sched_getaffinity(0))
    cpus = None if args.no_pin else set(allowed[:args.threads])
    workers = args.threads if args.workers is None else args.workers
    env = thread_env(args.threads)
    print(f"fastai {versions[0]}, torch {versions[1]}, torchvision {versions[2]} "
          f"({sys.executable}); ours {ours or '-'}")
    print(f"{args.arch}, size {args.size}, bs {args.bs}, {args.epochs} epochs, {args.schedule} "
          f"lr {args.lr:g}" + (f", freeze_epochs {args.freeze_epochs}"
                               if args.schedule == "fine_tune" else "") +
          f", accuracy_multi thresh {thresh:g}; {args.threads} threads "
          f"(fastai num_workers {workers}), "
          + (f"both pinned to CPUs {sorted(cpus)}" if cpus else "not pinned")
          + f"; {args.repeats} alternating rounds", flush=True)

    results = {"ours": [], "fastai": []}
    try:
        for i in range(args.repeats):
            seed = args.seed if args.same_seed else args.seed + i
            if args.only != "fastai":
                if ours_old and seed != args.seed:
                    print("note: the old multilabel takes no --seed; every round uses its own")
                rows = generated_rows(data) or (args.rows if tmp and ours_old else None)
                cmd = ours_cmd(args, ours, data, seed, rows, thresh, args.freeze_epochs)
                lines, wall = run_child(cmd, env, cpus, "ours")
                res = summarise(lines)
                results["ours"].append(res)
                print_run(f"ours, round {i + 1}, seed {seed}", lines, res, wall)
            if args.only != "ours":
                cfg = dict(data=data, arch=args.arch, size=args.size, bs=args.bs,
                           epochs=args.epochs, lr=args.lr, schedule=args.schedule,
                           freeze_epochs=args.freeze_epochs,
                           thresh=thresh, seed=seed, threads=args.threads, workers=workers)
                cmd = [sys.executable, os.path.abspath(__file__), "--fastai-child",
                       json.dumps(cfg)]
                lines, wall = run_child(cmd, env, cpus, "fastai")
                res = summarise(lines)
                results["fastai"].append(res)
                print_run(f"fastai, round {i + 1}, seed {seed}", lines, res, wall)
    finally:
        if tmp and not args.keep_data:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp:
            print(f"data kept in {data}")

    summary = {}
    print("\nsummary (medians over rounds; per-epoch seconds pooled over every epoch of every "
          "round; [min, max] over rounds):")
    for side in ("ours", "fastai"):
        rs = results[side]
        if not rs:
            continue
        s = dict(
            seconds_per_epoch=med([x for r in rs for x in r["seconds"]]),
            seconds_per_epoch_rounds=[med(r["seconds"]) for r in rs],
            seconds_from=rs[0]["seconds_from"],
            epochs=[r["epochs"] for r in rs], table_sizes=rs[0]["table_sizes"])
        for k in ("valid_loss", "accuracy_multi", "f1_samples", "best_thresh",
                  "best_accuracy_multi"):
            s[k] = med([r[k] for r in rs])
            s[k + "_rounds"] = [r[k] for r in rs]
        s["n_train"], s["n_valid"] = rs[0]["n_train"], rs[0]["n_valid"]
        summary[side] = s
        lo, hi = spread(s["valid_loss_rounds"])
        alo, ahi = spread(s["accuracy_multi_rounds"])
        f1 = "-" if math.isnan(s["f1_samples"]) else f"{s['f1_samples']:.4f}"
        print(f"{side:7} {s['seconds_per_epoch']:8.2f} s/epoch ({s['seconds_from']})  "
              f"valid_loss {s['valid_loss']:.4f} [{lo:.4f}, {hi:.4f}]  accuracy_multi "
              f"{s['accuracy_multi']:.4f} [{alo:.4f}, {ahi:.4f}]  f1_samples {f1}  "
              f"n_train/n_valid {s['n_train']}/{s['n_valid']}")
    ratio = None
    if "ours" in summary and "fastai" in summary:
        o, f = summary["ours"], summary["fastai"]
        ratio = f["seconds_per_epoch"] / o["seconds_per_epoch"]
        print(f"ratio   {ratio:.2f}  (fastai s/epoch / ours; the issue's target is >= 2)")
        if o["epochs"] != f["epochs"] or o["table_sizes"] != f["table_sizes"]:
            print(f"warning: the two sides ran different epochs: ours {o['epochs']} "
                  f"(tables {o['table_sizes']}), fastai {f['epochs']} "
                  f"(tables {f['table_sizes']})")
        if o["n_train"] is not None and (o["n_train"], o["n_valid"]) != (f["n_train"],
                                                                         f["n_valid"]):
            print(f"warning: different splits: ours {o['n_train']}/{o['n_valid']}, fastai "
                  f"{f['n_train']}/{f['n_valid']}")
    print(json.dumps(no_nan(dict(
        arch=args.arch, size=args.size, bs=args.bs, epochs=args.epochs, lr=args.lr,
        schedule=args.schedule, thresh=thresh, threads=args.threads, workers=workers,
        pinned=sorted(cpus) if cpus else None, repeats=args.repeats, rows=args.rows,
        fastai_version=versions[0], torch_version=versions[1], ratio=ratio, **summary))))


if __name__ == "__main__":
    main()
