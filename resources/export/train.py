#!/usr/bin/env python3
# __TITLE__
# Written by CNN Studio __VERSION__ from run __RUN__ (checkpoint: __CHECKPOINT__).
#
# The same network as in the studio, in plain PyTorch, with the run's weights and settings, so it can go on
# training where there are more machines. One process:
#     python3 __SCRIPT__ --data DIR
# Several processes (one per GPU, or per core on a CPU), on one machine or several with torchrun's usual flags:
#     torchrun --nproc_per_node 2 __SCRIPT__ --data DIR
# With --out RUN_DIR, the first process also writes a run folder the studio imports (cnn-studio runs import
# RUN_DIR): run.json (settings, torch version, processes and devices, status), epochs.jsonl (one line an epoch,
# with the metrics the studio records), final.weights and best.weights, model.cnn.json and validation.json
# (the images it validated on). Every file is replaced whole, so a job killed mid-way leaves a readable folder.
# It uses DistributedDataParallel with a DistributedSampler, NCCL on GPUs and Gloo on CPUs.
# (Debian's torch 1.13 on Python 3.11: add "--redirects 1 --tee 1" after torchrun; its default fails to parse.)
# Images are read with Pillow (python3-pil); classes are the sub-folders of DIR, as in the studio.
#
# Tensors follow the studio: the network takes NHWC float images ((pixel / 255 - mean) / std per channel) and
# transposes to NCHW once; a flatten of a feature map goes back to (h, w, c) order so the dense weights match;
# 'same' padding is TensorFlow's split (the extra pixel at the bottom/right), done with an explicit F.pad.
# Weights are read from and written to the studio's weights format (float32 + a JSON index), which this
# script reads without numpy; the studio opens what it writes.
import argparse
import collections
import datetime
import json
import math
import os
import socket
import struct
import sys
import time
import uuid

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

GRAPH = json.loads(__GRAPH__)
MODEL_FILE = json.loads(__MODEL__)  # the studio's model file, copied into a run folder
RUN = "__RUN__"
STUDIO = "__VERSION__"
PREPROCESSING = json.loads(__PREPROCESSING__)
SETTINGS = json.loads(__SETTINGS__)
WEIGHTS = __WEIGHTS__  # next to this script

# ---------------------------------------------------------------------------------------------- the network


def key(node_id):
    return "n_" + "".join(ch if ch.isalnum() else "_" for ch in node_id)


class StudioNet(nn.Module):
    def __init__(self, graph):
        super().__init__()
        self.nodes = graph["nodes"]
        self.output = graph["output"]
        self.layers = nn.ModuleDict()
        for n in self.nodes:
            t, a = n["type"], n["attrs"]
            if t == "conv2d":
                kh, kw = a["kernel"]
                sh, sw = a["stride"]
                self.layers[key(n["id"])] = nn.Conv2d(n["inputShape"][2], a["filters"], (kh, kw), stride=(sh, sw), padding=0, bias=bool(a["bias"]))
            elif t == "dense":
                self.layers[key(n["id"])] = nn.Linear(n["inputShape"][0], a["units"], bias=bool(a["bias"]))
            elif t == "batchnorm":
                c = n["outputShape"][-1]
                bn = nn.BatchNorm2d if len(n["outputShape"]) == 3 else nn.BatchNorm1d
                # The studio keeps running = m * running + (1 - m) * batch: PyTorch's momentum is 1 - m.
                self.layers[key(n["id"])] = bn(c, eps=a["epsilon"], momentum=1 - a["momentum"])
            elif t == "dropout":
                self.layers[key(n["id"])] = nn.Dropout(a["rate"])

    def forward(self, x):
        """x: [N, H, W, C] float (preprocessed). Returns the class scores before the final softmax."""
        vals = {}
        for n in self.nodes:
            t, a = n["type"], n["attrs"]
            ins = [vals[i] for i in n["inputs"]]
            y = ins[0] if ins else None
            if t == "input":
                y = x.permute(0, 3, 1, 2)
            elif t == "conv2d":
                g = n["window"]
                y = self.layers[key(n["id"])](F.pad(y, (g["padLeft"], g["padRight"], g["padTop"], g["padBottom"])))
            elif t == "maxpool2d":
                g = n["window"]
                y = F.pad(y, (g["padLeft"], g["padRight"], g["padTop"], g["padBottom"]), value=-math.inf)
                y = F.max_pool2d(y, (g["kh"], g["kw"]), (g["sh"], g["sw"]))
            elif t == "avgpool2d":
                g = n["window"]
                pads = (g["padLeft"], g["padRight"], g["padTop"], g["padBottom"])
                s = F.avg_pool2d(F.pad(y, pads), (g["kh"], g["kw"]), (g["sh"], g["sw"]))
                if any(pads):  # padding is not counted in the average
                    ones = torch.ones_like(y[:1, :1])
                    s = s / F.avg_pool2d(F.pad(ones, pads), (g["kh"], g["kw"]), (g["sh"], g["sw"]))
                y = s
            elif t == "globalavgpool":
                y = y.mean(dim=(2, 3))
            elif t == "globalmaxpool":
                y = y.amax(dim=(2, 3))
            elif t == "flatten":
                y = y.permute(0, 2, 3, 1).flatten(1) if y.dim() == 4 else y
            elif t in ("dense", "batchnorm", "dropout"):
                y = self.layers[key(n["id"])](y)
            elif t == "relu":
                y = F.relu(y)
            elif t == "leakyrelu":
                y = F.leaky_relu(y, a["alpha"])
            elif t == "sigmoid":
                y = torch.sigmoid(y)
            elif t == "tanh":
                y = torch.tanh(y)
            elif t == "add":
                y = ins[0]
                for z in ins[1:]:
                    y = y + z
            elif t == "concat":
                y = torch.cat(ins, dim=1)
            elif t == "softmax":
                # The output softmax is left to the loss (cross-entropy takes the scores); inside, it is applied.
                y = y if n["id"] == self.output else F.softmax(y, dim=1)
            else:
                raise ValueError("no PyTorch mapping for layer " + t)
            vals[n["id"]] = y
        return vals[self.output]


def counts(model):
    trainable = sum(p.numel() for p in model.parameters())
    running = sum(b.numel() for name, b in model.named_buffers() if name.endswith("running_mean") or name.endswith("running_var"))
    return {"params": trainable + running, "trainableParams": trainable, "nonTrainableParams": running}


# ------------------------------------------------------------------------- the studio's weights format


def read_weights(path):
    with open(path, "rb") as f:
        blob = f.read()
    magic, version, length = struct.unpack_from("<III", blob, 0)
    if magic != 0x574E4E43:
        raise SystemExit(path + " is not a CNN Studio weights file")
    header = json.loads(blob[12:12 + length].decode("utf-8"))
    start = (12 + length + 3) // 4 * 4
    floats = torch.frombuffer(bytearray(blob[start:]), dtype=torch.float32)
    out, o = {}, 0
    for t in header["tensors"]:
        out[t["name"]] = floats[o:o + t["size"]].clone()
        o += t["size"]
    return out


def write_weights(path, tensors, meta):
    header = json.dumps({"format": "cnn-studio.weights", "version": 1, "tensors": [{"name": k, "size": v.numel()} for k, v in tensors], "meta": meta}).encode("utf-8")
    start = (12 + len(header) + 3) // 4 * 4
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<III", 0x574E4E43, 1, len(header)) + header + b"\0" * (start - 12 - len(header)))
        for _, v in tensors:
            f.write(struct.pack("<%df" % v.numel(), *v.detach().cpu().float().flatten().tolist()))
    os.replace(tmp, path)


def studio_tensors(model):
    """(studio name, tensor in the studio's layout) for every weight and running statistic."""
    out = []
    for n in model.nodes:
        m = model.layers[key(n["id"])] if key(n["id"]) in model.layers else None
        if n["type"] == "conv2d":
            out.append((n["id"] + ".weight", m.weight.permute(2, 3, 1, 0)))  # [Cout, Cin, kh, kw] -> [kh, kw, Cin, Cout]
            if m.bias is not None:
                out.append((n["id"] + ".bias", m.bias))
        elif n["type"] == "dense":
            out.append((n["id"] + ".weight", m.weight.t()))  # [units, in] -> [in, units]
            if m.bias is not None:
                out.append((n["id"] + ".bias", m.bias))
        elif n["type"] == "batchnorm":
            out += [(n["id"] + ".gamma", m.weight), (n["id"] + ".beta", m.bias), (n["id"] + ".running_mean", m.running_mean), (n["id"] + ".running_var", m.running_var)]
    return out


def load_studio_weights(model, path):
    w = read_weights(path)
    with torch.no_grad():
        for n in model.nodes:
            if key(n["id"]) not in model.layers or n["type"] == "dropout":
                continue
            m = model.layers[key(n["id"])]
            if n["type"] == "conv2d":
                kh, kw = n["attrs"]["kernel"]
                cin, cout = n["inputShape"][2], n["attrs"]["filters"]
                m.weight.copy_(w[n["id"] + ".weight"].view(kh, kw, cin, cout).permute(3, 2, 0, 1))
                if m.bias is not None:
                    m.bias.copy_(w[n["id"] + ".bias"])
            elif n["type"] == "dense":
                m.weight.copy_(w[n["id"] + ".weight"].view(n["inputShape"][0], n["attrs"]["units"]).t())
                if m.bias is not None:
                    m.bias.copy_(w[n["id"] + ".bias"])
            elif n["type"] == "batchnorm":
                m.weight.copy_(w[n["id"] + ".gamma"])
                m.bias.copy_(w[n["id"] + ".beta"])
                m.running_mean.copy_(w[n["id"] + ".running_mean"])
                m.running_var.copy_(w[n["id"] + ".running_var"])


# --------------------------------------------------------------------------------------- the run folder


def write_text(path, text):
    """Replaces `path` whole (a temporary file renamed over it): a reader never sees half a file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RunFolder:
    """What `--out RUN_DIR` writes (first process only), in the studio's formats; see the header above."""

    def __init__(self, out, info):
        os.makedirs(out, exist_ok=True)
        if os.path.exists(os.path.join(out, "run.json")):
            raise SystemExit(out + " already holds a run (run.json): give --out a new folder")
        self.out = out
        self.info = info
        self.epochs = []
        self.best = None
        write_text(os.path.join(out, "model.cnn.json"), json.dumps(MODEL_FILE, indent=2) + "\n")
        self.save_info()

    def save_info(self):
        write_text(os.path.join(self.out, "run.json"), json.dumps(self.info, indent=2) + "\n")

    def validation(self, files, labels, settings):
        doc = {"format": "cnn-studio.validation-split", "version": 1, "valSplit": settings["valSplit"], "seed": settings["seed"],
               "classes": PREPROCESSING["classes"], "files": files, "labels": labels}
        write_text(os.path.join(self.out, "validation.json"), json.dumps(doc) + "\n")

    def epoch(self, row, tensors):
        """One epoch: its line, then the final weights, then the best ones when validation accuracy rose (as the studio keeps them)."""
        self.epochs.append(row)
        write_text(os.path.join(self.out, "epochs.jsonl"), "".join(json.dumps(e) + "\n" for e in self.epochs))
        meta = {"model": GRAPH.get("name"), "epoch": row["epoch"], "valAccuracy": row.get("valAccuracy"), "trainedWith": "pytorch " + torch.__version__, "processes": self.info["worldSize"]}
        write_weights(os.path.join(self.out, "final.weights"), tensors, meta)
        acc = row.get("valAccuracy", -1)
        if self.best is None or acc > self.best:
            self.best = acc
            write_weights(os.path.join(self.out, "best.weights"), tensors, meta)

    def end(self, status, error=None):
        self.info.update({"status": status, "endedAt": now_iso()})
        if error:
            self.info["error"] = error
        self.save_info()


# ----------------------------------------------------------------------------------------------- the data


class Rng:
    """The studio's seeded generator (mulberry32), so the validation split is the run's own."""

    def __init__(self, seed):
        self.s = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def next(self):
        M = 0xFFFFFFFF
        self.s = (self.s + 0x6D2B79F5) & M
        s = self.s
        t = ((s ^ (s >> 15)) * (1 | s)) & M
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & M)) & M) ^ t
        return ((t ^ (t >> 14)) & M) / 4294967296

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = int(self.next() * (i + 1))
            a[i], a[j] = a[j], a[i]


def split_indices(labels, classes, fraction, seed):
    by_class = [[] for _ in range(classes)]
    for i, l in enumerate(labels):
        by_class[l].append(i)
    rng = Rng(seed)
    train, val = [], []
    for idx in by_class:
        rng.shuffle(idx)
        n_val = min(len(idx) - 1, max(1, math.floor(len(idx) * fraction + 0.5))) if fraction > 0 and len(idx) >= 2 else 0
        val += idx[:n_val]
        train += idx[n_val:]
    return sorted(train), sorted(val)


def load_image(path):
    from PIL import Image, ImageOps

    p = PREPROCESSING
    size = (p["width"], p["height"])
    img = Image.open(path)
    img.load()
    bg = tuple(p["background"])
    if img.mode in ("RGBA", "LA", "P", "PA"):
        img = img.convert("RGBA")
        base = Image.new("RGBA", img.size, bg + (255,))
        img = Image.alpha_composite(base, img)
    img = img.convert("L" if p["channels"] == 1 else "RGB")
    fill = bg[0] if p["channels"] == 1 else bg
    if p["resize"] == "cover":
        img = ImageOps.fit(img, size, Image.LANCZOS)
    elif p["resize"] == "contain":
        img = ImageOps.pad(img, size, Image.LANCZOS, color=fill)
    else:
        img = img.resize(size, Image.LANCZOS)
    return torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(p["height"], p["width"], p["channels"])


def load_folder(root):
    classes = PREPROCESSING["classes"]
    pixels, labels, skipped, paths = [], [], 0, []
    for c, name in enumerate(classes):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            raise SystemExit("%s has no folder '%s'; the run's classes are %s" % (root, name, ", ".join(classes)))
        for dirpath, dirnames, names in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for f in sorted(names):
                if f.startswith("."):
                    continue
                try:
                    pixels.append(load_image(os.path.join(dirpath, f)))
                    labels.append(c)
                    paths.append(os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/"))
                except Exception:
                    skipped += 1
    if not pixels:
        raise SystemExit(root + " has no readable image")
    return torch.stack(pixels), labels, skipped, paths


def to_input(pixels):
    """uint8 [N, H, W, C] -> float [N, H, W, C]: (byte / 255 - mean) / std, as the studio's batches."""
    mean = torch.tensor(PREPROCESSING["mean"], dtype=torch.float64)
    std = torch.tensor(PREPROCESSING["std"], dtype=torch.float64)
    return ((pixels.double() / 255 - mean) / std).float()


def augment(x, kind, generator):
    """The studio's augmentations on a float batch: horizontal flip, shift with black (normalised) padding."""
    if kind in ("flip", "flip+shift"):
        flip = torch.rand(x.shape[0], generator=generator) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(2), x)
    if kind in ("shift", "flip+shift"):
        n, h, w, c = x.shape
        m = max(1, min(h, w) // 8)
        black = ((0 - torch.tensor(PREPROCESSING["mean"])) / torch.tensor(PREPROCESSING["std"])).float()
        padded = black.view(1, 1, 1, c).repeat(n, h + 2 * m, w + 2 * m, 1)
        padded[:, m:m + h, m:m + w] = x
        out = torch.empty_like(x)
        for i in range(n):
            dy, dx = torch.randint(0, 2 * m + 1, (2,), generator=generator).tolist()
            out[i] = padded[i, dy:dy + h, dx:dx + w]
        x = out
    return x


# ------------------------------------------------------------------------------------------- training


def learning_rate(base, step, steps_per_epoch, total_steps):
    s = SETTINGS
    warm = round(s.get("warmupEpochs", 0) * steps_per_epoch)
    if step < warm:
        return base * (step + 1) / warm
    if s.get("schedule") == "step":
        return base * s.get("gamma", 0.1) ** math.floor(step / steps_per_epoch / max(1, s.get("stepEpochs", 10)))
    if s.get("schedule") == "cosine":
        span = max(1, total_steps - warm)
        return 0.5 * base * (1 + math.cos(math.pi * min(step - warm, span) / span))
    return base


def make_optimizer(model):
    s = SETTINGS
    # Weight decay applies to conv and dense weights, not to biases or batchnorm (as in the studio).
    decay, rest = [], []
    for name, p in model.named_parameters():
        mod = name.rsplit(".", 1)[0].replace("module.", "")
        is_weight = name.endswith("weight") and not isinstance(dict(model.named_modules())[mod], (nn.BatchNorm1d, nn.BatchNorm2d))
        (decay if is_weight else rest).append(p)
    groups = [{"params": decay, "weight_decay": s.get("weightDecay", 0)}, {"params": rest, "weight_decay": 0}]
    if s["optimizer"] == "sgd":
        return torch.optim.SGD(groups, lr=s["lr"], momentum=s["momentum"], nesterov=bool(s.get("nesterov")) and s["momentum"] > 0)
    if s["optimizer"] == "adamw":
        return torch.optim.AdamW(groups, lr=s["lr"])
    return torch.optim.Adam(groups, lr=s["lr"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Train the CNN Studio model " + json.dumps(GRAPH.get("name")) + " (the run's settings are the defaults)")
    ap.add_argument("--data", default=SETTINGS.get("datasetDir"), help="the image folder, one sub-folder per class (default: the run's)")
    ap.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    ap.add_argument("--batch-size", type=int, default=SETTINGS["batchSize"], help="the global batch, shared across processes")
    ap.add_argument("--lr", type=float, default=SETTINGS["lr"])
    ap.add_argument("--val-split", type=float, default=SETTINGS["valSplit"])
    ap.add_argument("--seed", type=int, default=SETTINGS["seed"])
    ap.add_argument("--weights", default=os.path.join(here, WEIGHTS), help="weights to start from (default: the exported run's)")
    ap.add_argument("--from-scratch", action="store_true", help="start from fresh weights instead")
    ap.add_argument("--save", default=None, help="where to write the trained weights (studio format; default: next to the script)")
    ap.add_argument("--out", default=None, metavar="RUN_DIR", help="write a run folder there (settings, epochs, weights, validation split) for: cnn-studio runs import RUN_DIR")
    ap.add_argument("--params", action="store_true", help="print the parameter counts as JSON and exit")
    ap.add_argument("--predict-raw", nargs=2, metavar=("IN", "OUT"), help="float32 NHWC images in, probabilities out (a check against the studio)")
    args = ap.parse_args()
    SETTINGS["lr"] = args.lr

    torch.manual_seed(args.seed)
    model = StudioNet(GRAPH)
    if not args.from_scratch:
        load_studio_weights(model, args.weights)
    if args.params:
        print(json.dumps(counts(model)))
        if not args.predict_raw:
            return
    if args.predict_raw:
        p = PREPROCESSING
        with open(args.predict_raw[0], "rb") as f:
            x = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).view(-1, p["height"], p["width"], p["channels"])
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(x), dim=1)
        with open(args.predict_raw[1], "wb") as f:
            f.write(struct.pack("<%df" % probs.numel(), *probs.flatten().tolist()))
        return
    if not args.data:
        raise SystemExit("name the image folder: --data DIR")

    distributed = "WORLD_SIZE" in os.environ
    rank, world, local = 0, 1, 0
    device = torch.device("cpu")
    if distributed:
        use_cuda = torch.cuda.is_available()
        dist.init_process_group("nccl" if use_cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", 0))
        if use_cuda:
            torch.cuda.set_device(local)
            device = torch.device("cuda", local)
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    log = print if rank == 0 else (lambda *a, **k: None)

    pixels, labels, skipped, files = load_folder(args.data)
    train_idx, val_idx = split_indices(labels, len(PREPROCESSING["classes"]), args.val_split, args.seed)
    x_all, y_all = to_input(pixels), torch.tensor(labels)
    train_set = torch.utils.data.TensorDataset(x_all[train_idx], y_all[train_idx])
    # Validation is shared out without padding (a DistributedSampler repeats images to even the shares), so
    # the summed counts are exactly the split's and the accuracy is the one the studio measures on it.
    val_part = val_idx[rank::world]
    val_set = torch.utils.data.TensorDataset(x_all[val_part], y_all[val_part]) if val_idx else None
    per_process = max(1, math.ceil(args.batch_size / world))
    sampler = torch.utils.data.distributed.DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=args.seed) if distributed else None
    loader = torch.utils.data.DataLoader(train_set, batch_size=per_process, sampler=sampler, shuffle=sampler is None)
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=per_process) if val_set else None
    log("%d images (%d train, %d validation, %d skipped), %d classes; %d process%s, %s, batch %d per process" % (
        len(labels), len(train_idx), len(val_idx), skipped, len(PREPROCESSING["classes"]), world, "" if world == 1 else "es", device, per_process))

    model.to(device)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[local] if device.type == "cuda" else None) if distributed else model

    folder = None
    if args.out:
        where = "%s %s" % (socket.gethostname(), device if device.type == "cpu" else "%s (%s)" % (device, torch.cuda.get_device_name(device)))
        devices = [where] * world
        if distributed:
            dist.all_gather_object(devices, where)
        if rank == 0:
            settings = dict(SETTINGS, epochs=args.epochs, batchSize=args.batch_size, lr=args.lr, valSplit=args.val_split, seed=args.seed, datasetDir=os.path.abspath(args.data))
            folder = RunFolder(args.out, {
                "format": "cnn-studio.run", "version": 1, "id": uuid.uuid4().hex, "model": "model.cnn.json",
                "from": {"run": RUN, "studio": STUDIO, "weights": "fresh (--from-scratch)" if args.from_scratch else os.path.abspath(args.weights)},
                "settings": settings, "datasetDir": os.path.abspath(args.data), "preprocessing": PREPROCESSING,
                "torch": torch.__version__, "python": sys.version.split()[0], "worldSize": world, "backend": dist.get_backend() if distributed else None,
                "devices": devices, "startedAt": now_iso(), "endedAt": None, "status": "running",
                "epochs": "epochs.jsonl", "final": "final.weights", "best": "best.weights", "validation": "validation.json",
            })
            folder.validation([files[i] for i in val_idx], [labels[i] for i in val_idx], settings)
    try:
        train(args, model, net, loader, sampler, val_loader, distributed, device, rank, folder, log)
    except KeyboardInterrupt:
        raise  # stopped by hand: the folder keeps saying running, and imports as stopped (resumable)
    except BaseException as e:
        if folder:
            folder.end("failed", "%s: %s" % (type(e).__name__, e))
        raise
    if folder:
        folder.end("completed")
        log("run folder written to " + args.out + " (bring it into the studio: cnn-studio runs import " + args.out + ")")

    if rank == 0 and (args.save or not args.out):
        save = args.save or os.path.join(here, os.path.splitext(os.path.basename(__file__))[0] + ".trained.weights")
        write_weights(save, studio_tensors(model), {"model": GRAPH.get("name"), "trainedWith": "pytorch " + torch.__version__, "processes": world})
        log("weights written to " + save + " (open them in the studio with the model file)")
    if distributed:
        # Every process done before the wrapper and the group go, in that order (see IN_FLIGHT).
        dist.barrier()
        del net
        dist.destroy_process_group()


STEP_SAMPLES = 200  # sampled steps an epoch, as the studio keeps them


def train(args, model, net, loader, sampler, val_loader, distributed, device, rank, folder, log):
    optimizer = make_optimizer(model)
    steps_per_epoch = len(loader)
    total = steps_per_epoch * args.epochs
    every = max(1, math.ceil(steps_per_epoch / STEP_SAMPLES))
    gen = torch.Generator().manual_seed(args.seed * 7919 + rank)
    step = 0
    for epoch in range(args.epochs):
        if sampler:
            sampler.set_epoch(epoch)
        net.train()
        t0 = time.time()
        sums = torch.zeros(3, dtype=torch.float64)  # loss * n, correct, n
        steps = []
        lr = args.lr
        for i, (xb, yb) in enumerate(loader):
            lr = learning_rate(args.lr, step, steps_per_epoch, total)
            for g in optimizer.param_groups:
                g["lr"] = lr
            xb = augment(xb, SETTINGS.get("augment", "none"), gen).to(device)
            yb = yb.to(device)
            out = net(xb)
            loss = F.cross_entropy(out, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            part = torch.tensor([loss.item() * len(yb), (out.argmax(1) == yb).sum().item(), len(yb)], dtype=torch.float64)
            sums += part
            if (i + 1) % every == 0 or i + 1 == steps_per_epoch:
                # The global batch's loss and accuracy, as the studio samples its steps (every process takes part).
                step_loss, step_acc = reduce(part.clone(), distributed)
                steps.append([i + 1, step_loss, step_acc])
        train_loss, train_acc = reduce(sums.clone(), distributed)
        seconds = time.time() - t0
        row = {"epoch": epoch + 1, "trainLoss": train_loss, "trainAccuracy": train_acc}
        line = "epoch %d/%d: loss %.4f acc %.3f" % (epoch + 1, args.epochs, train_loss, train_acc)
        if val_loader is not None:
            # The module itself, not the DDP wrapper: the processes' shares of the split may differ by one batch.
            # Each process's batchnorm statistics moved with its own last batch: all take the first's, the
            # ones its weights are written with, so the accuracy is that of the weights the folder gets.
            if distributed:
                for b in model.buffers():
                    dist.broadcast(b, 0)
            model.eval()
            vs = torch.zeros(3, dtype=torch.float64)
            with torch.no_grad():
                for xb, yb in val_loader:
                    out = model(xb.to(device))
                    yb = yb.to(device)
                    vs += torch.tensor([F.cross_entropy(out, yb, reduction="sum").item(), (out.argmax(1) == yb).sum().item(), len(yb)], dtype=torch.float64)
            val_loss, val_acc = reduce(vs, distributed)
            row.update(valLoss=val_loss, valAccuracy=val_acc)
            line += " val_loss %.4f val_acc %.3f" % (val_loss, val_acc)
        seconds = time.time() - t0
        row.update(lr=lr, seconds=seconds, imagesPerSecond=sums_total(sums, distributed) / max(seconds, 1e-9), steps=steps)
        log(line + " (%.1f s)" % seconds)
        sys.stdout.flush()
        if folder:
            folder.epoch(row, studio_tensors(model))


def sums_total(sums, distributed):
    """Training images seen this epoch by all processes."""
    n = sums[2:3].clone()
    if distributed:
        IN_FLIGHT.append(n)
        dist.all_reduce(n)
    return n.item()


# The last tensors handed to a collective, kept referenced here: were a Gloo worker thread to drop the last
# reference, it would need the GIL to free it, which the main thread holds while it tears the process group
# down at exit (torch 1.13 then hangs in ProcessGroupGloo's destructor).
IN_FLIGHT = collections.deque(maxlen=16)


def reduce(sums, distributed):
    if distributed:
        IN_FLIGHT.append(sums)
        dist.all_reduce(sums)
    n = max(sums[2].item(), 1)
    return (sums[0].item() / n, sums[1].item() / n)


if __name__ == "__main__":
    main()
