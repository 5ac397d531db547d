"""Writes tests/golden/loss/bce_pos_weight.json: PyTorch's BCEWithLogitsLoss with pos_weight.

Run with Debian's torch: /usr/bin/python3 tests/golden/make_pos_weight_fixture.py
The logits include large magnitudes (±30, ±1000) to check the overflow-free form.
"""
import json
import pathlib

import torch

logits = torch.tensor([[0.3, -1.2, 2.5, 30.0], [-0.7, 0.0, -1000.0, 1000.0], [1.5, -2.0, 0.1, -30.0]],
                      requires_grad=True)
target = torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
pos_weight = torch.tensor([0.5, 2.0, 3.0, 1.0])
out = {"logits": logits.tolist(), "target": target.tolist(), "pos_weight": pos_weight.tolist()}
for reduction in ("mean", "sum", "none"):
    x = logits.detach().clone().requires_grad_(True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        x, target, pos_weight=pos_weight, reduction=reduction)
    loss.sum().backward() if reduction == "none" else loss.backward()
    out[reduction] = {"loss": loss.detach().reshape(-1).tolist(), "grad": x.grad.reshape(-1).tolist()}
path = pathlib.Path(__file__).parent / "loss" / "bce_pos_weight.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
