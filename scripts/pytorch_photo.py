# The photo-sized net of `cnn-studio bench` (src-engine/node/bench/index.ts PHOTO_NET) in PyTorch, in the file style
# of ../shared/bench/pytorch_smallcnn.py: 96x96x3, 3x3 'same' convs of 32, 64, 128, 256 filters, the first three
# each followed by ReLU and a 2x2 max-pool, then ReLU, global average pooling, dense 10; batch 64, SGD momentum 0.9.
# `python3 scripts/pytorch_photo.py THREADS [nchw|nhwc] [cpu]`, with the malloc settings of the bench README; `cpu`:
# timed in process CPU time, printed as scripts/pytorch_smallcnn_cpu.py prints (beside `scripts/bench-cpu.ts --net photo`).
import sys, time, statistics, torch, torch.nn as nn, torch.nn.functional as F
threads = int(sys.argv[1]); fmt = sys.argv[2] if len(sys.argv) > 2 else "nchw"
cpu = len(sys.argv) > 3 and sys.argv[3] == "cpu"
clock = time.process_time if cpu else time.perf_counter
torch.set_num_threads(threads); torch.manual_seed(0)
B = 64
class PhotoNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(3, 32, 3, padding=1); s.c2 = nn.Conv2d(32, 64, 3, padding=1)
        s.c3 = nn.Conv2d(64, 128, 3, padding=1); s.c4 = nn.Conv2d(128, 256, 3, padding=1); s.fc = nn.Linear(256, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.c1(x)), 2)
        x = F.max_pool2d(F.relu(s.c2(x)), 2)
        x = F.max_pool2d(F.relu(s.c3(x)), 2)
        x = F.relu(s.c4(x)).mean((2, 3))
        return s.fc(x)
m = PhotoNet(); x = torch.randn(B, 3, 96, 96); y = torch.randint(0, 10, (B,))
if fmt == "nhwc":
    m = m.to(memory_format=torch.channels_last); x = x.contiguous(memory_format=torch.channels_last)
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
def train_step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(m(x), y); loss.backward(); opt.step()
def infer_step():
    with torch.inference_mode(): m(x)
def bench(fn, steps_per_win, wins=7, warm=3):
    for _ in range(warm): fn()
    r = []
    for _ in range(wins):
        t = clock()
        for _ in range(steps_per_win): fn()
        r.append(B * steps_per_win / (clock() - t))
    return statistics.median(r), min(r), max(r)
# MACs per image: c1 96*96*32*27, c2 48*48*64*288, c3 24*24*128*576, c4 12*12*256*1152, fc 2560.
MACS = 96*96*32*27 + 48*48*64*288 + 24*24*128*576 + 12*12*256*1152 + 2560
TRAIN_FLOP_IMG = 2 * (3 * MACS - 96*96*32*27); FWD_FLOP_IMG = 2 * MACS
tr = bench(train_step, 2); inf = bench(infer_step, 6)
if cpu:
    print(f"torch {threads} thread, CPU time: train img/CPU-s med={tr[0]:.0f} [{tr[1]:.0f}-{tr[2]:.0f}] | infer med={inf[0]:.0f} [{inf[1]:.0f}-{inf[2]:.0f}]")
    sys.exit(0)
print(f"torch {torch.__version__} threads={threads} fmt={fmt} train img/s med={tr[0]:.0f} [{tr[1]:.0f}-{tr[2]:.0f}] GFLOP/s={tr[0]*TRAIN_FLOP_IMG/1e9:.1f} | infer img/s med={inf[0]:.0f} [{inf[1]:.0f}-{inf[2]:.0f}] GFLOP/s={inf[0]*FWD_FLOP_IMG/1e9:.1f}")
