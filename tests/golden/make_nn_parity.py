#!/usr/bin/env python3
"""Writes the fixtures under tests/golden/nn/ that tests/nn/test_parity.cpp compares fastblock's
network layer with: torchvision's resnet18 and resnet50 and fastai's head, run by PyTorch.

Run with Debian's python3, which has torch 1.13 and torchvision 0.14 (fastai is not needed: its
head is rebuilt below from plain torch.nn layers, exactly as fastai 2.7's create_head builds it):
    /usr/bin/python3 tests/golden/make_nn_parity.py            # writes the fixtures (~12 s)
    /usr/bin/python3 tests/golden/make_nn_parity.py --search   # margins of other input phases

Scenarios (one file each):
    resnet18_eval.txt       torchvision resnet18 (1000 outputs), eval mode, x [2, 3, 64, 64]
    resnet18_head_eval.txt  the resnet18 body (everything up to layer4, fastai's create_body) and
                            create_head(512, 20) at the default ps=0.5, eval mode, same x
    resnet18_train.txt      one training step of the resnet18 body + create_head(512, 20, ps=0) on
                            x [4, 3, 64, 64]: forward in train mode, BCEWithLogitsLoss (mean)
                            against t [4, 20], backward
    resnet50_train.txt      the same for the resnet50 body + create_head(2048, 20, ps=0) on
                            x [4, 3, 32, 32]
The body keeps torchvision's parameter names (`conv1.weight`, `layer1.0.bn1.running_mean`) where
fastai's create_body, an nn.Sequential, would number them; fastblock's ResNetBody does the same.
fastai skips Dropout when p == 0 (LinBnDrop: `if p != 0: layers.append(nn.Dropout(p))`), so the
ps=0 head is [pool, Flatten, BN1d(2nf), Linear(2nf,512), ReLU, BN1d(512), Linear(512,20)] with
parameters 2.*, 3.weight, 5.*, 6.weight; the default head's are 2.*, 4.weight, 6.*, 8.weight
(fastblock's create_head builds the same for HeadOptions{.ps = {0.0}} and the defaults).

Values. Every parameter and buffer is set from its flat (row-major) index i and its position k in
the scenario's list (the model's state_dict order; for body + head the body's entries, then the
head's, k counting on), in float64 and then cast to float32. u(i, k) is a uniform number in
[0, 1) computed in 64-bit integer arithmetic, so C++ and numpy get the same bits:
    u(i, k) = (splitmix64(k * 2^32 + i) >> 11) / 2^53       (splitmix64's output function below)
    s       = 2 u - 1
    *.weight with >= 2 dims   = s * sqrt(6 / fan_in), fan_in = numel / size(0)   (kaiming_uniform)
    *.weight with 1 dim       = 1 + 0.1 s                                        (batchnorm scale)
                                times RESIDUAL_BN_SCALE for the last batchnorm of each residual
                                branch (layerN.i.bn2 in a BasicBlock, layerN.i.bn3 in a Bottleneck)
    *.bias                    = 0.1 s                          (batchnorm shift, fc bias)
    *.running_mean            = 0.1 s
    *.running_var             = 1 + 0.5 u
    *.num_batches_tracked     = 0
The input, with a phase phi per scenario, and the multi-label targets:
    x[i] = sin(0.01 i + phi) + 0.5 cos(0.37 i + phi)      i the flat index of [N, 3, H, W]
    t[j] = 1 if (7 j) % 3 == 0 else 0                     j the flat index of [N, 20]

Why these choices: a parity test compares two float32 computations that round differently, so it
needs a problem whose answer float32 determines. Three things broke that in first drafts (sin
weights, batch 2, every batchnorm scale near 1), where PyTorch's own float32 result differed from
its float64 result by 0.2-0.3% in the output and 0.6-3% in the gradients:
  * The head's BatchNorm1d in training normalises each feature over the batch: with 2 samples its
    output is ±1 whatever the input and its gradient is 1/|x0 − x1|. Batches here are 4.
  * A train-mode ResNet at initialisation amplifies perturbations with depth (batchnorm's gradient
    explosion). Scaling the last batchnorm of each residual branch down keeps each block near
    the identity (the idea of torchvision's zero_init_residual, with 0.1 instead of 0):
    RESIDUAL_BN_SCALE = 0.1 brings the float32-vs-float64 differences to ~1e-5.
  * A ReLU input or a max-pool runner-up within rounding of its kink makes the two computations
    take different branches, which moves a whole unit's gradient (about 1% of every upstream
    gradient when it happens in layer4, where a channel has 4-16 values). The phase phi of each
    scenario was picked (`--search`) so that no ReLU input of layer3, layer4 or the head is within
    1e-5 of zero, relative to its tensor's RMS, and no max-pool window's top two values closer
    (the eval fixtures use resnet18's phase). --search takes about 5 minutes.
The fixtures record, as comments, these margins and PyTorch's own float32-vs-float64 differences.

Format: text, one record a line, fields separated by single spaces; '#' lines are comments.
    <tag> <name> <shape> : <values...>
<shape> is the dimensions joined by 'x' (`2x3x64x64`) or `scalar` for a 0-d tensor; values are
written with %.9g (float32 round-trips). Tags:
    residual_bn <bn> scalar : scale   RESIDUAL_BN_SCALE and the name (bn2 or bn3) it applies to
    input   x <shape> : phi           the input's shape and phase (the formula gives its values)
    param   <name> <shape> :          every parameter and buffer, in state_dict order
    output  <what> <shape> : v...     every output, flat
    loss    bce scalar : v            the mean BCE loss
    dinput  x <shape> : norm i v i v ...   d loss / d x: its L2 norm, then (flat index, value) for
                                      every 13th element
    grad    <name> <shape> : norm i v i v ...   per trainable parameter: the gradient's L2 norm
                                      and its values at flat indices 0, n/4, n/2, 3n/4, n-1
    buffer  <name> <shape> : norm i v ...       per running_mean / running_var after the step, the
                                      same
    bufferfull <name> <shape> : v...  every value after the step, for a few batchnorm layers
    nbt     <name> scalar : v         num_batches_tracked after the step (1)
"""

import math
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn")
N_OUT = 20
RESIDUAL_BN_SCALE = 0.1
DINPUT_STRIDE = 13
# Per architecture: the last batchnorm of a residual branch.
LAST_BN = {"resnet18": "bn2", "resnet50": "bn3"}
# Input phases, chosen with --search (see the docstring).
PHI = {"resnet18": 1.0, "resnet50": 5.5}


# --- fastai's layers as plain torch.nn --------------------------------------------------------


class AdaptiveConcatPool2d(nn.Module):
    """fastai's AdaptiveConcatPool2d: max first, then average."""

    def __init__(self, size=1):
        super().__init__()
        self.mp = nn.AdaptiveMaxPool2d(size)
        self.ap = nn.AdaptiveAvgPool2d(size)

    def forward(self, x):
        return torch.cat([self.mp(x), self.ap(x)], 1)


def create_head(nf, n_out, ps=0.5):
    """fastai 2.7's create_head(nf, n_out) with lin_ftrs=[512], concat_pool, first_bn."""
    sizes = [2 * nf, 512, n_out]
    probs = [ps / 2, ps]
    layers = [AdaptiveConcatPool2d(), nn.Flatten()]
    for i, (ni, no, p) in enumerate(zip(sizes[:-1], sizes[1:], probs)):
        layers.append(nn.BatchNorm1d(ni))
        if p != 0:
            layers.append(nn.Dropout(p))
        layers.append(nn.Linear(ni, no, bias=False))
        if i < len(probs) - 1:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class Body(nn.Module):
    """fastai's create_body (every child up to layer4, cut -2), keeping torchvision's names."""

    def __init__(self, model):
        super().__init__()
        for name in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"):
            setattr(self, name, getattr(model, name))

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


# --- the formulas ------------------------------------------------------------------------------


def splitmix64(z):
    """splitmix64's output function on uint64 arrays (wrapping arithmetic)."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(n, k):
    """u(i, k) for i < n."""
    keys = (np.uint64(k) << np.uint64(32)) + np.arange(n, dtype=np.uint64)
    return (splitmix64(keys) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def formula(name, shape, k, last_bn):
    """The value of entry `name` at position k, as a float32 tensor (None: num_batches_tracked)."""
    if name.endswith("num_batches_tracked"):
        return None
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(n, k)
    s = 2.0 * u - 1.0
    if name.endswith("running_mean"):
        v = 0.1 * s
    elif name.endswith("running_var"):
        v = 1.0 + 0.5 * u
    elif name.endswith("bias"):
        v = 0.1 * s
    elif name.endswith("weight") and len(shape) >= 2:
        v = s * math.sqrt(6.0 / (n / shape[0]))
    elif name.endswith("weight"):
        v = 1.0 + 0.1 * s
        if re.search(r"layer\d+\.\d+\.%s\.weight$" % last_bn, name):
            v = v * RESIDUAL_BN_SCALE
    else:
        raise ValueError(name)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def set_weights(modules, last_bn):
    """Sets every entry of each module's state_dict, k counting across them all; returns
    (name, shape) per entry, each name as its own module's state_dict gives it."""
    entries = []
    for module in modules:
        with torch.no_grad():
            for name, t in module.state_dict().items():
                v = formula(name, tuple(t.shape), len(entries), last_bn)
                if v is None:
                    t.zero_()
                else:
                    t.copy_(v)
                entries.append((name, tuple(t.shape)))
    return entries


def make_input(shape, phi):
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    x = np.sin(0.01 * i + phi) + 0.5 * np.cos(0.37 * i + phi)
    return torch.from_numpy(x.astype(np.float32).reshape(shape))


def make_target(shape):
    n = int(np.prod(shape))
    t = np.array([1.0 if (7 * j) % 3 == 0 else 0.0 for j in range(n)], dtype=np.float32)
    return torch.from_numpy(t.reshape(shape))


# --- the runs ----------------------------------------------------------------------------------


def build(arch, head_ps, dtype=torch.float32):
    """(full torchvision model, body, head, entries of body + head) with the formula's weights."""
    model = getattr(torchvision.models, arch)()
    body = Body(model)
    head = create_head(512 * (4 if arch == "resnet50" else 1), N_OUT, ps=head_ps)
    entries = set_weights([body, head], LAST_BN[arch])
    return model, body.to(dtype), head.to(dtype), entries


def train_step(arch, x_shape, phi, dtype):
    """One train-mode step; returns (body, head, x, y, loss)."""
    _, body, head, _ = build(arch, 0.0, dtype)
    x = make_input(x_shape, phi).to(dtype).requires_grad_(True)
    body.train()
    head.train()
    y = head(body(x))
    loss = nn.BCEWithLogitsLoss()(y, make_target((x_shape[0], N_OUT)).to(dtype))
    loss.backward()
    return body, head, x, y, loss


def named_grads(body, head):
    out = [("body." + n, p) for n, p in body.named_parameters()]
    return out + [("head." + n, p) for n, p in head.named_parameters()]


def kink_margins(arch, x_shape, phi):
    """Over layer3, layer4 and the head, in float64: the smallest |ReLU input| and the smallest
    gap between a max-pool window's two largest values (windows whose maximum is positive), each
    relative to its tensor's RMS; and the count of both below 1e-5."""
    _, body, head, _ = build(arch, 0.0, torch.float64)
    found = []

    def relu_hook(t):
        found.append((t.abs() / t.pow(2).mean().sqrt()).reshape(-1))

    def max_hook(t):
        u = t.reshape(t.shape[0] * t.shape[1], -1)
        if u.shape[1] > 1:
            top = u.topk(2, dim=1).values
            gap = (top[:, 0] - top[:, 1]) / t.pow(2).mean().sqrt()
            found.append(gap[top[:, 0] > 0])

    hooks = []
    late = [("body." + n, m) for n, m in body.named_modules() if n.startswith(("layer3", "layer4"))]
    late += [("head." + n, m) for n, m in head.named_modules()]
    for _, m in late:
        if isinstance(m, nn.ReLU):
            hooks.append(m.register_forward_pre_hook(lambda m, a: relu_hook(a[0].detach())))
        if isinstance(m, nn.AdaptiveMaxPool2d):
            hooks.append(m.register_forward_pre_hook(lambda m, a: max_hook(a[0].detach())))
    # layer4's output goes through a ReLU inside its last block, then into the head's max pool.
    body.train()
    head.train()
    with torch.no_grad():
        head(body(make_input(x_shape, phi).double()))
    for h in hooks:
        h.remove()
    allm = torch.cat(found)
    return float(allm.min()), int((allm < 1e-5).sum()), allm.numel()


def float64_gap(arch, x_shape, phi):
    """PyTorch's own float32-vs-float64 differences for the train step, in the test's metrics."""
    b32, h32, x32, y32, l32 = train_step(arch, x_shape, phi, torch.float32)
    b64, h64, x64, y64, l64 = train_step(arch, x_shape, phi, torch.float64)
    out = float((y32.double() - y64).abs().max() / y64.abs().max())
    dx = float((x32.grad.double() - x64.grad).abs().max() / x64.grad.abs().max())
    g64 = dict(named_grads(b64, h64))
    gn = max(abs(float(p.grad.double().norm() - g64[n].grad.norm())) / float(g64[n].grad.norm())
             for n, p in named_grads(b32, h32))
    return "output %.1e, loss %.1e, input gradient %.1e, gradient norms %.1e" % (
        out, abs(float(l32) - float(l64)) / float(l64), dx, gn)


# --- writing -----------------------------------------------------------------------------------


def shape_str(shape):
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def fmt(values):
    return " ".join("%.9g" % float(v) for v in values)


def samples(t, indices=None):
    """The L2 norm (in float64), then (flat index, value) pairs: 0, n/4, n/2, 3n/4, n-1."""
    flat = t.detach().reshape(-1)
    n = flat.numel()
    out = [float(flat.double().norm())]
    for i in indices if indices is not None else (0, n // 4, n // 2, 3 * n // 4, n - 1):
        out += [i, float(flat[i])]
    return out


class Writer:
    def __init__(self, name, title):
        self.path = os.path.join(HERE, name)
        self.lines = ["# " + title,
                      "# written by tests/golden/make_nn_parity.py (torch %s, torchvision %s);"
                      " its docstring documents the format and the formulas"
                      % (torch.__version__, torchvision.__version__)]

    def comment(self, text):
        self.lines.append("# " + text)

    def rec(self, tag, name, shape, values=()):
        self.lines.append(("%s %s %s : %s" % (tag, name, shape_str(shape), fmt(values))).rstrip())

    def header(self, arch, x_shape, phi, entries, prefixes):
        self.rec("residual_bn", LAST_BN[arch], (), [RESIDUAL_BN_SCALE])
        self.rec("input", "x", x_shape, [phi])
        for (name, shape), prefix in zip(entries, prefixes):
            self.rec("param", prefix + name, shape)

    def close(self):
        with open(self.path, "w") as f:
            f.write("\n".join(self.lines) + "\n")
        print("wrote %s (%d bytes)" % (self.path, os.path.getsize(self.path)))


def prefixes(body, head):
    return ["body."] * len(body.state_dict()) + ["head."] * len(head.state_dict())


def eval_scenarios():
    x_shape, phi = (2, 3, 64, 64), PHI["resnet18"]
    x = make_input(x_shape, phi)

    model = torchvision.models.resnet18()
    entries = set_weights([model], LAST_BN["resnet18"])
    w = Writer("resnet18_eval.txt", "torchvision resnet18, eval forward")
    w.header("resnet18", x_shape, phi, entries, [""] * len(entries))
    model.eval()
    with torch.no_grad():
        y = model(x)
    w.rec("output", "resnet18", y.shape, y.reshape(-1).tolist())
    w.close()

    # The body's entries come first, so it has the same weights as the model above.
    _, body, head, entries = build("resnet18", 0.5)
    w = Writer("resnet18_head_eval.txt",
               "resnet18 body + create_head(512, 20) (ps=0.5), eval forward")
    w.header("resnet18", x_shape, phi, entries, prefixes(body, head))
    body.eval()
    head.eval()
    with torch.no_grad():
        y = head(body(x))
    w.rec("output", "body_head", y.shape, y.reshape(-1).tolist())
    w.close()


def train_scenario(arch, x_shape, full_buffers):
    phi = PHI[arch]
    body, head, x, y, loss = train_step(arch, x_shape, phi, torch.float32)
    _, _, _, entries = build(arch, 0.0)
    w = Writer(arch + "_train.txt",
               "%s body + create_head(%d, 20, ps=0): one train-mode step with BCEWithLogitsLoss "
               "(mean)" % (arch, 512 * (4 if arch == "resnet50" else 1)))
    margin, below, units = kink_margins(arch, x_shape, phi)
    w.comment("kinks in layer3, layer4 and the head: %d ReLU inputs and max-pool gaps, the "
              "smallest %.2e of its tensor's RMS, %d below 1e-5" % (units, margin, below))
    w.comment("PyTorch float32 vs float64: " + float64_gap(arch, x_shape, phi))
    w.header(arch, x_shape, phi, entries, prefixes(body, head))
    w.rec("output", "body_head", y.shape, y.detach().reshape(-1).tolist())
    w.rec("loss", "bce", (), [float(loss)])
    w.rec("dinput", "x", x.shape, samples(x.grad, range(0, x.numel(), DINPUT_STRIDE)))
    for name, p in named_grads(body, head):
        w.rec("grad", name, p.shape, samples(p.grad))
    buffers = [("body." + n, b) for n, b in body.named_buffers()]
    buffers += [("head." + n, b) for n, b in head.named_buffers()]
    for name, b in buffers:
        if name.endswith("num_batches_tracked"):
            w.rec("nbt", name, b.shape, [int(b)])
            continue
        w.rec("buffer", name, b.shape, samples(b))
        if name.rsplit(".", 1)[0] in full_buffers:
            w.rec("bufferfull", name, b.shape, b.reshape(-1).tolist())
    w.close()


SHAPES = {"resnet18": (4, 3, 64, 64), "resnet50": (4, 3, 32, 32)}


def search():
    """Prints, for phases 0, 0.5, ..., 6, the kink margins and PyTorch's float32-vs-float64 gap."""
    for arch, x_shape in SHAPES.items():
        for phi in np.arange(0.0, 6.01, 0.5):
            margin, below, units = kink_margins(arch, x_shape, phi)
            print("%s phi %.1f: smallest margin %.1e, %d of %d below 1e-5; %s" %
                  (arch, phi, margin, below, units, float64_gap(arch, x_shape, phi)), flush=True)


def main():
    torch.set_num_threads(1)
    if "--search" in sys.argv[1:]:
        search()
        return
    os.makedirs(HERE, exist_ok=True)
    eval_scenarios()
    train_scenario("resnet18", SHAPES["resnet18"],
                   {"body.bn1", "body.layer1.0.bn1", "body.layer4.1.bn2", "head.2", "head.5"})
    train_scenario("resnet50", SHAPES["resnet50"],
                   {"body.bn1", "body.layer1.0.bn3", "body.layer4.2.bn3", "head.2", "head.5"})


if __name__ == "__main__":
    main()
