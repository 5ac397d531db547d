"""What the bench/compare_*.py scripts share: a child process's peak memory and a call's median
time. The scripts import it from their own folder, so they run from any working directory."""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_child(cmd, env):
    """Runs cmd to completion; returns (stdout, its own peak resident set in MiB). Exits with the
    child's output when it fails."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, text=True)
        out = p.stdout.read()
        p.stdout.close()
        # wait4 reaps this one child and returns its rusage: ru_maxrss (KiB) is its own peak, not
        # the largest of all children so far as RUSAGE_CHILDREN would give.
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{out}\n"
                     f"{err.read().decode(errors='replace')}")
    return out, usage.ru_maxrss / 1024


def torch_env(threads):
    """The environment of a PyTorch child limited to `threads` threads."""
    return dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))


def median_ms(f, reps, warmup=0):
    """The median of `reps` timed calls of f, in milliseconds, after `warmup` untimed ones."""
    for _ in range(warmup):
        f()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)
