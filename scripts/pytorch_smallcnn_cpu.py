# The shared reference's SmallCNN (../shared/bench/pytorch_smallcnn.py: NHWC, SGD momentum 0.9, batch 64) on ONE
# thread, timed in process CPU time, beside scripts/bench-cpu.ts. Run with the malloc settings of that README.
import sys, time, statistics, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1); torch.manual_seed(0)
B = 64
class SmallCNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(3, 32, 3, padding=1); s.c2 = nn.Conv2d(32, 64, 3, padding=1)
        s.c3 = nn.Conv2d(64, 128, 3, padding=1); s.fc = nn.Linear(128, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.c1(x)), 2)
        x = F.max_pool2d(F.relu(s.c2(x)), 2)
        x = F.relu(s.c3(x)).mean((2, 3))
        return s.fc(x)
m = SmallCNN().to(memory_format=torch.channels_last); x = torch.randn(B, 3, 32, 32).contiguous(memory_format=torch.channels_last); y = torch.randint(0, 10, (B,))
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
def train_step():
    opt.zero_grad(set_to_none=True); F.cross_entropy(m(x), y).backward(); opt.step()
def infer_step():
    with torch.inference_mode(): m(x)
def bench(fn, n, wins=7):
    for _ in range(5): fn()
    r = []
    for _ in range(wins):
        t = time.process_time()
        for _ in range(n): fn()
        r.append(B * n / (time.process_time() - t))
    return statistics.median(r), min(r), max(r)
tr = bench(train_step, 5); inf = bench(infer_step, 10)
print(f"torch 1 thread, CPU time: train img/CPU-s med={tr[0]:.0f} [{tr[1]:.0f}-{tr[2]:.0f}] | infer med={inf[0]:.0f} [{inf[1]:.0f}-{inf[2]:.0f}]")
