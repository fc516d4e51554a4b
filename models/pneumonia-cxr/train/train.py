#!/usr/bin/python3
"""Trains the pneumonia-cxr model from the DICOM CR files written by export-dicom.ts.

Development tool only (Debian's python3-torch, python3-onnx, python3-pydicom, python3-sklearn,
python3-numpy); nothing at run time or in CI needs Python. Run through `npm run train:pneumonia-cxr`.

Reads every image with pydicom and applies exactly the preprocessing that model.json describes and
src/inference/{pixels,preprocess}.ts implement: Rescale Slope/Intercept, VOI (window when present,
else min-max) to [0, 1], MONOCHROME1 inversion, centre square crop, area resize to 28x28 (identity
here), per-image min-max stretch, then (x - mean) / std with mean/std measured on the training split.

Writes model.onnx, model.json, metrics.json and parity.json into the output folder.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import onnx
import pydicom
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

SIDE = 28
SEED = 20240611
LABELS = ["normal", "pneumonia"]


def log(msg):
    print(f"[train {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- preprocessing (mirrors the TS runtime)

def voi(ds, values):
    """Modality values -> display values in [0, 1]: first window when present, else min-max."""
    center = ds.get("WindowCenter")
    width = ds.get("WindowWidth")
    if center is not None and width is not None:
        c = float(center[0] if isinstance(center, pydicom.multival.MultiValue) else center)
        w = float(width[0] if isinstance(width, pydicom.multival.MultiValue) else width)
        if w >= 1:
            out = ((values - (c - 0.5)) / (w - 1) + 0.5)
            return np.clip(out, 0, 1).astype(np.float32)
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - lo) / (hi - lo)).astype(np.float32)


def area_resize(img, out_h, out_w):
    """Box-filter resampling with fractional pixel coverage (as preprocess.ts resizeArea)."""
    in_h, in_w = img.shape
    if (in_h, in_w) == (out_h, out_w):
        return img.astype(np.float32)

    def weights(n_in, n_out):
        m = np.zeros((n_out, n_in), dtype=np.float64)
        scale = n_in / n_out
        for o in range(n_out):
            a, b = o * scale, (o + 1) * scale
            for i in range(int(math.floor(a)), min(n_in, int(math.ceil(b)))):
                m[o, i] = min(b, i + 1) - max(a, i)
            m[o] /= m[o].sum()
        return m

    return (weights(in_h, out_h) @ img.astype(np.float64) @ weights(in_w, out_w).T).astype(np.float32)


def centre_square(img):
    h, w = img.shape
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return img[top:top + s, left:left + s]


def min_max(img):
    lo, hi = float(img.min()), float(img.max())
    if hi <= lo:
        return np.zeros_like(img, dtype=np.float32)
    return ((img - lo) / (hi - lo)).astype(np.float32)


def dicom_to_unit_image(path):
    """One DICOM file -> a 28x28 float32 image in [0, 1], before mean/std normalization."""
    ds = pydicom.dcmread(path)
    values = ds.pixel_array.astype(np.float64)
    values = values * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    display = voi(ds, values)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        display = 1 - display
    return min_max(area_resize(centre_square(display), SIDE, SIDE))


def load_split(work_dir, split):
    folder = os.path.join(work_dir, split)
    with open(os.path.join(folder, "labels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    images = np.stack([dicom_to_unit_image(os.path.join(folder, r["file"])) for r in rows])
    labels = np.array([int(r["label"]) for r in rows], dtype=np.int64)
    indices = np.array([int(r["index"]) for r in rows], dtype=np.int64)
    return images, labels, indices


# ---------------------------------------------------------------- model

class SmallCnn(nn.Module):
    """Three conv stages (16, 32, 64 channels) with batch norm, global average pooling, one logit."""

    def __init__(self, c1=16, c2=32, c3=64):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(1, c1), *block(c1, c1), nn.MaxPool2d(2),
            *block(c1, c2), *block(c2, c2), nn.MaxPool2d(2),
            *block(c2, c3), nn.AdaptiveAvgPool2d(1),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(c3, 1)

    def forward(self, x):
        return self.head(self.dropout(torch.flatten(self.features(x), 1)))


class WithProbability(nn.Module):
    """Exported graph: normalized image [N,1,28,28] -> pneumonia probability [N,1]."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        return torch.sigmoid(self.net(image))


def augment(x, gen):
    """Random small rotation (+-10 deg), scale (0.9-1.1), shift (+-2 px) and horizontal flip."""
    n = x.shape[0]
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(10)
    scale = 1 + (torch.rand(n, generator=gen) * 2 - 1) * 0.1
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * (2 * 2 / SIDE)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([
        torch.stack([cos * flip, -sin, shift[:, 0]], 1),
        torch.stack([sin * flip, cos, shift[:, 1]], 1),
    ], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def predict(net, x, batch=256):
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out.append(torch.sigmoid(net(x[i:i + batch])).squeeze(1))
    return torch.cat(out).numpy().astype(np.float64)


# ---------------------------------------------------------------- statistics

def bootstrap_auc(y, p, n=2000, seed=SEED):
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue
        stats.append(roc_auc_score(y[idx], p[idx]))
    return float(np.percentile(stats, 2.5)), float(np.percentile(stats, 97.5))


def wilson(k, n, z=1.959964):
    if n == 0:
        return 0.0, 0.0
    phat = k / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def rates(y, p, t):
    pred = p >= t
    tp = int(((pred == 1) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    correct = tp + tn
    return {
        "threshold": round(float(t), 6),
        "accuracy": correct / len(y),
        "accuracy_ci95": list(wilson(correct, len(y))),
        "sensitivity": tp / pos,
        "sensitivity_ci95": list(wilson(tp, pos)),
        "specificity": tn / neg,
        "specificity_ci95": list(wilson(tn, neg)),
        "n": len(y),
    }


def choose_thresholds(y, p, target=0.99):
    """Operating point: Youden's J on val. Band: on val at most 1 - target of the pneumonia images fall
    at or below t_lo (called negative) and at most 1 - target of the normal images at or above t_hi
    (called positive); each threshold is the midpoint between the two val scores it separates.
    Between them the verdict is "uncertain". The band always contains the operating point.
    """
    best_t, best_j = 0.5, -1.0
    for t in np.unique(p):
        r = rates(y, p, t)
        j = r["sensitivity"] + r["specificity"] - 1
        if j > best_j:
            best_t, best_j = float(t), j
    pos = np.sort(p[y == 1])
    neg = np.sort(p[y == 0])[::-1]
    k = int(math.floor((1 - target) * len(pos)))
    t_lo = float(pos[0] / 2 if k == 0 else (pos[k - 1] + pos[k]) / 2)
    m = int(math.floor((1 - target) * len(neg)))
    t_hi = float((1 + neg[0]) / 2 if m == 0 else (neg[m - 1] + neg[m]) / 2)
    return best_t, min(t_lo, best_t), max(t_hi, best_t)


def band(y, p, t_lo, t_hi):
    pos, neg = p >= t_hi, p <= t_lo
    decided = pos | neg
    correct = int(((pos & (y == 1)) | (neg & (y == 0))).sum())
    return {
        "positive": int(pos.sum()), "negative": int(neg.sum()), "uncertain": int((~decided).sum()),
        "coverage": float(decided.mean()),
        "accuracy_of_decided": correct / max(1, int(decided.sum())),
        "accuracy_of_decided_ci95": list(wilson(correct, int(decided.sum()))),
    }


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work-dir", required=True, help="folder written by export-dicom.ts")
    ap.add_argument("--out-dir", required=True, help="models/pneumonia-cxr")
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()

    started = time.time()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)

    log(f"reading DICOM from {args.work_dir}")
    data = {s: load_split(args.work_dir, s) for s in ("train", "val", "test")}
    for s, (x, y, _) in data.items():
        log(f"  {s}: {len(y)} images, {int(y.sum())} pneumonia, {int((y == 0).sum())} normal")
    # Rounded as model.json states them, so the manifest is exactly what training used.
    mean = round(float(data["train"][0].mean()), 6)
    std = round(float(data["train"][0].std()), 6)
    log(f"train intensity mean {mean:.6f} std {std:.6f}")

    def tensor(s):
        x, y, _ = data[s]
        return torch.from_numpy(((x - mean) / std).astype(np.float32)).unsqueeze(1), torch.from_numpy(y).float()

    xtr, ytr = tensor("train")
    xva, yva = tensor("val")
    xte, yte = tensor("test")
    n_pos, n_neg = float(ytr.sum()), float(len(ytr) - ytr.sum())
    pos_weight = torch.tensor([n_neg / n_pos])  # balance the 9:1 train split

    net = SmallCnn()
    n_params = sum(p.numel() for p in net.parameters())
    log(f"model: {n_params} parameters")
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(ytr) / 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, epochs=args.epochs, steps_per_epoch=steps_per_epoch)
    gen = torch.Generator().manual_seed(SEED)

    best = {"auc": -1.0, "epoch": -1, "state": None}
    history = []
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(ytr), generator=gen)
        total = 0.0
        for i in range(0, len(ytr), 64):
            idx = order[i:i + 64]
            xb = augment(xtr[idx], gen)
            loss = F.binary_cross_entropy_with_logits(net(xb).squeeze(1), ytr[idx], pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        pva = predict(net, xva)
        auc = roc_auc_score(yva.numpy(), pva)
        history.append({"epoch": epoch, "train_loss": total / len(ytr), "val_auc": auc})
        mark = ""
        if auc > best["auc"]:
            best = {"auc": auc, "epoch": epoch, "state": {k: v.clone() for k, v in net.state_dict().items()}}
            mark = " *"
        log(f"epoch {epoch:2d}/{args.epochs} loss {total / len(ytr):.4f} val AUC {auc:.4f}{mark} ({time.time() - started:.0f} s)")

    net.load_state_dict(best["state"])
    log(f"selected epoch {best['epoch']} (val AUC {best['auc']:.4f})")
    yv, pv = yva.numpy(), predict(net, xva)
    yt, pt = yte.numpy(), predict(net, xte)
    np.savez(os.path.join(args.work_dir, "predictions.npz"), yv=yv, pv=pv, yt=yt, pt=pt)
    t_op, t_lo, t_hi = choose_thresholds(yv, pv)
    test_auc = float(roc_auc_score(yt, pt))
    auc_ci = bootstrap_auc(yt, pt)
    train_seconds = time.time() - started

    out = args.out_dir
    onnx_path = os.path.join(out, "model.onnx")
    export = WithProbability(net).eval()
    torch.onnx.export(export, torch.zeros(1, 1, SIDE, SIDE), onnx_path, opset_version=17,
                      input_names=["image"], output_names=["probability"],
                      dynamic_axes={"image": {0: "N"}, "probability": {0: "N"}}, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(onnx_path))
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    size = os.path.getsize(onnx_path)

    metrics = {
        "model": "pneumonia-cxr", "version": "1.0.0", "seed": SEED,
        "data": {s: {"n": int(len(y)), "pneumonia": int(y.sum()), "normal": int((y == 0).sum())} for s, (_, y, _) in data.items()},
        "selection": {"epochs": args.epochs, "selected_epoch": best["epoch"], "val_auc": best["auc"]},
        "thresholds": {"operating": t_op, "t_lo": t_lo, "t_hi": t_hi,
                       "rule": "operating = Youden J on val; negative when p <= t_lo, which at most 1% of val pneumonia images reach; positive when p >= t_hi, which at most 1% of val normal images reach (midpoints between val scores)"},
        "val": {"auc": float(roc_auc_score(yv, pv)), "at_operating": rates(yv, pv, t_op), "band": band(yv, pv, t_lo, t_hi)},
        "test": {"auc": test_auc, "auc_ci95": list(auc_ci), "auc_ci_method": "percentile bootstrap, 2000 resamples",
                 "at_operating": rates(yt, pt, t_op), "at_0_5": rates(yt, pt, 0.5), "band": band(yt, pt, t_lo, t_hi)},
        "model_size_bytes": size, "parameters": n_params, "train_seconds": round(train_seconds, 1),
        "history": history,
        "environment": {"torch": torch.__version__, "onnx": onnx.__version__, "pydicom": pydicom.__version__,
                        "numpy": np.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads()},
        "anchor": {"name": "MedMNIST v2 ResNet-18 (28)", "test_auc": 0.944, "test_accuracy": 0.854},
    }
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")

    manifest = {
        "name": "pneumonia-cxr",
        "version": "1.0.0",
        "description": "Small CNN: pneumonia vs normal on a frontal paediatric chest radiograph downsampled to 28x28 (PneumoniaMNIST).",
        "file": "model.onnx",
        "sha256": sha,
        "opset": 17,
        "input": {"name": "image", "shape": [-1, 1, SIDE, SIDE], "dtype": "float32", "layout": "NCHW"},
        "output": {"name": "probability", "shape": [-1, 1], "dtype": "float32", "scale": "probability",
                   "meaning": "probability of pneumonia (sigmoid applied in the graph)"},
        "labels": LABELS,
        "preprocessing": {
            "frame": "middle",
            "rescale": "modality",
            "voi": "window-else-min-max",
            "monochrome1": "invert",
            "color": "luminance-bt601",
            "crop": "centre-square",
            "resize": {"method": "area", "height": SIDE, "width": SIDE},
            "intensity": "min-max",
            "normalize": {"mean": mean, "std": std},
        },
        "finding": {"code": "pneumonia", "lexicon": ["pneumonia", "consolidation", "infiltration"]},
        "applicability": {"modalities": ["CR", "DX"], "bodyParts": ["CHEST"]},
        "thresholds": {"positive": round(t_hi, 6), "negative": round(t_lo, 6), "operating": round(t_op, 6)},
        "metrics": {"testAuc": round(test_auc, 4), "testAucCi95": [round(auc_ci[0], 4), round(auc_ci[1], 4)],
                    "testAccuracy": round(metrics["test"]["at_operating"]["accuracy"], 4)},
        "licence": "Weights trained on PneumoniaMNIST (MedMNIST v2, CC BY 4.0; from Kermany et al. 2018, CC BY 4.0).",
    }
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    _, _, test_idx = data["test"]
    picks = [int(i) for i in np.concatenate([np.where(yt == 0)[0][:4], np.where(yt == 1)[0][:4]])]
    parity = {"split": "test", "note": "PyTorch probabilities from the DICOM files export-dicom.ts wrote",
              "tolerance": 1e-4,
              "cases": [{"index": int(test_idx[i]), "label": int(yt[i]), "probability": float(pt[i])} for i in picks]}
    with open(os.path.join(out, "parity.json"), "w") as f:
        json.dump(parity, f, indent=2)
        f.write("\n")

    at = metrics["test"]["at_operating"]
    b = metrics["test"]["band"]
    log("summary")
    print(f"  selected epoch     {best['epoch']} of {args.epochs} (val AUC {best['auc']:.4f})")
    print(f"  test AUC           {test_auc:.4f} (95% CI {auc_ci[0]:.4f}-{auc_ci[1]:.4f}); anchor ResNet-18 0.944")
    print(f"  test accuracy      {at['accuracy']:.4f} (95% CI {at['accuracy_ci95'][0]:.4f}-{at['accuracy_ci95'][1]:.4f}) at t={t_op:.3f}"
          f"; sensitivity {at['sensitivity']:.3f}, specificity {at['specificity']:.3f}")
    print(f"  band               negative <= {t_lo:.3f}, positive >= {t_hi:.3f}: coverage {b['coverage']:.3f},"
          f" accuracy of decided {b['accuracy_of_decided']:.4f}")
    print(f"  model              {size} bytes, {n_params} parameters, sha256 {sha[:16]}...")
    print(f"  training time      {train_seconds:.0f} s")


if __name__ == "__main__":
    main()
