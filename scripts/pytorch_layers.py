# The bench nets' layers in PyTorch (NHWC, one thread, inference_mode), timed one by one on the activations they
# get, in process CPU time: ms per batch of 64 for each conv with its ReLU (and 2x2 max-pool where the net has
# one), and the head (global average pooling, dense 10), medians of 15 batches, as one line of JSON keyed as
# `scripts/bench-cpu.ts --layers` keys ours. `python3 scripts/pytorch_layers.py smallcnn|photo`, with the malloc settings
# of the bench README. Figures, not pass/fail.
import sys, time, json, statistics, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0)
B = 64
NETS = {  # input size, then (filters, pooled) for each 3x3 'same' conv, as in src-engine/node/bench/index.ts
    "smallcnn": (32, [(32, True), (64, True), (128, False)]),
    "photo": (96, [(32, True), (64, True), (128, True), (256, False)]),
}
size, convs = NETS[sys.argv[1] if len(sys.argv) > 1 else "smallcnn"]
layers, cin = [], 3
for cout, pooled in convs:
    layers.append((nn.Conv2d(cin, cout, 3, padding=1).to(memory_format=torch.channels_last), pooled)); cin = cout
fc = nn.Linear(cin, 10)
x0 = torch.randn(B, 3, size, size).contiguous(memory_format=torch.channels_last)
runs = []
with torch.inference_mode():
    for r in range(20):
        x, t = x0, {}
        for i, (conv, pooled) in enumerate(layers):
            s = time.process_time()
            x = F.relu(conv(x))
            if pooled: x = F.max_pool2d(x, 2)
            t[f"c{i + 1}"] = (time.process_time() - s) * 1000
        s = time.process_time()
        fc(x.mean((2, 3)))
        t["head"] = (time.process_time() - s) * 1000
        if r >= 5: runs.append(t)
print(json.dumps({k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}))
