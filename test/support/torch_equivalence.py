"""The PyTorch side of the equivalence test: the exported project's model, loaded with the weights spikerep dumped,
runs the same batch forward and backward; every neuron layer's spikes must equal spikerep's exactly, and the logits,
every parameter gradient and every running statistic must agree within float32 tolerance.

usage: python3 torch_equivalence.py PROJECT_DIR DUMP.safetensors SPEC.json    (prints one JSON line; exit 1 on a mismatch)
"""
import json
import sys

import torch
import torch.nn.functional as F

project, dump_path, spec_path = sys.argv[1:4]
sys.path.insert(0, project)
from dsr import SpikingNeuron  # noqa: E402
from models import build_model, load_weights  # noqa: E402
from safetensors_io import load_file  # noqa: E402

torch.set_num_threads(1)
with open(spec_path) as f:
    spec = json.load(f)
d = load_file(dump_path)
model = build_model(spec["config"], tuple(spec["inputShape"]), spec["classes"])
load_weights(model, {k[len("weight."):]: v for k, v in d.items() if k.startswith("weight.")})
model.train()
spikes = {}
for name, m in model.named_modules():
    if isinstance(m, SpikingNeuron):
        m.register_forward_hook(lambda _m, _i, out, name=name: spikes.__setitem__(name, out.detach().clone()))
logits = model(d["input"])
loss = F.cross_entropy(logits, d["labels"].long())
loss.backward()

failures, worst = [], {}


def close(what, got, want, rtol=1e-4):
    """|got − want| ≤ rtol·max|want| elementwise; records the relative error."""
    err = (got - want).abs().max().item()
    scale = max(want.abs().max().item(), 1e-12)
    worst[what] = err / scale
    if got.shape != want.shape or err > rtol * scale:
        failures.append(f"{what}: max error {err:.3g} (scale {scale:.3g})")


fired = {}
for name, s in spikes.items():
    want = d["spikes." + name]
    fired[name] = (want != 0).float().mean().item()
    if s.shape != want.shape or not torch.equal(s, want):
        n = (s != want).sum().item() if s.shape == want.shape else "shape"
        failures.append(f"spikes of {name}: {n} differ")
close("logits", logits.detach(), d["logits"])
close("loss", loss.detach().reshape(1), d["loss"])
# A bias whose output a batch norm reads has gradient 0 in exact arithmetic (the normalisation removes any shift); in
# float32 each engine leaves a rounding residue of the gradients it sums, which must be tiny rather than equal.
before_bn = set(spec["biasesBeforeBn"])
named = list(model.named_parameters())
largest = max(d["grad." + name].abs().max().item() for name, _ in named)
for name, p in named:
    if name in before_bn:
        residue = max(p.grad.abs().max().item(), d["grad." + name].abs().max().item())
        if residue > 1e-5 * largest:
            failures.append(f"grad {name}: {residue:.3g}, expected a rounding residue of 0 (largest gradient {largest:.3g})")
    else:
        close("grad " + name, p.grad, d["grad." + name])
for name, b in model.named_buffers():
    if not name.endswith("num_batches_tracked"):
        close("after " + name, b, d["after." + name])
print(json.dumps({"failures": failures, "layers": len(spikes), "grads": len(named), "fired": fired,
                  "worstRelative": max(worst.values())}))  # fmt: skip
sys.exit(1 if failures else 0)
