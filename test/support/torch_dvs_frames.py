"""The PyTorch side of the event-reader test: opens each job's dataset with the exported project's readers
(dvs_datasets.py), reads every item without augmentation, and writes the frames [N, T, 2, H, W] and labels as
safetensors; a job whose reading stops prints the line it stopped with instead.

usage: python3 torch_dvs_frames.py PROJECT_DIR JOBS.json OUT.safetensors    (prints one JSON line: {job: error})
"""
import json
import sys

import torch

project, jobs_path, out_path = sys.argv[1:4]
sys.path.insert(0, project)
from dvs_datasets import DvsCifar10Frames, open_event_frames  # noqa: E402
from safetensors_io import save_file  # noqa: E402

with open(jobs_path) as f:
    jobs = json.load(f)
tensors, errors = {}, {}
for job in jobs:
    try:
        if "filesPerClass" in job:
            ds = DvsCifar10Frames(job["root"], job["split"], job["T"], files_per_class=job["filesPerClass"],
                                  train_per_class=job.get("trainPerClass"))  # fmt: skip
        else:
            ds = open_event_frames(job["dataset"], job["root"], job["split"], job["T"])
        items = [ds[i] for i in range(len(ds))]
    except SystemExit as e:
        errors[job["name"]] = str(e)
        continue
    tensors["frames." + job["name"]] = torch.stack([x for x, _ in items])
    tensors["labels." + job["name"]] = torch.stack([y for _, y in items]).float()
save_file(tensors, out_path)
print(json.dumps(errors))
