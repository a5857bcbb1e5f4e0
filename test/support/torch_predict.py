"""The exported project's model in eval mode on the first N test images: prints {"predictions": [...]} (arg-max
classes, ties to the lowest index as in spikerep).

usage: python3 torch_predict.py PROJECT_DIR WEIGHTS.safetensors DATA_DIR N
"""
import json
import os
import sys

import torch

project, weights, data_dir, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, project)
from mnist_idx import Images  # noqa: E402
from models import build_model, load_weights  # noqa: E402
from safetensors_io import load_file  # noqa: E402

torch.set_num_threads(1)
with open(os.path.join(project, "recipe.json")) as f:
    recipe = json.load(f)
cfg = recipe["config"]
test = Images(data_dir, "test", cfg["dataset"], 0, n)
H, W, C = recipe["inputShape"]
model = build_model(cfg, (C, H, W), recipe["classes"])
load_weights(model, load_file(weights))
model.eval()
with torch.no_grad():
    x = torch.stack([test[i][0] for i in range(len(test))])
    predictions = model(x).argmax(1).tolist()
print(json.dumps({"predictions": predictions}))
