# How F(8x8, 3x3)'s interpolation points were chosen (src-engine/wasm/winograd8.ts): builds Winograd's
# matrices for a set of points (Cook-Toom: A^T the points' powers, G the Lagrange weights, B^T the numerators,
# exact fractions), convolves random data in float32 through them, and prints each variant's error against
# float64: F(4x4) and F(6x6) on their points, then every symmetric set 0, +-1, +-a, +-b, +-c for F(8x8)
# with a, b, c from small fractions, best first, then the matrices of the best.
#   /usr/bin/python3 scripts/winograd-points.py [trials]
import itertools, sys
from fractions import Fraction as Fr
import numpy as np


def polymul(p, q):
    r = [Fr(0)] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        for j, y in enumerate(q):
            r[i + j] += x * y
    return r


def matrices(m, points, r=3):
    """A^T (m x a), G (a x r), B^T (a x a) for F(m, r) on the finite points and infinity (a = m + r - 1)."""
    a = m + r - 1
    pts = [Fr(p) for p in points]
    assert len(pts) == a - 1
    AT = [[p ** j for p in pts] + [Fr(int(j == m - 1))] for j in range(m)]
    G, BT = [], []
    for i, p in enumerate(pts):
        den = Fr(1)
        num = [Fr(1)]
        for k, q in enumerate(pts):
            if k != i:
                den *= p - q
                num = polymul(num, [-q, Fr(1)])
        G.append([p ** j / den for j in range(r)])
        BT.append(num + [Fr(0)] * (a - len(num)))
    G.append([Fr(int(j == r - 1)) for j in range(r)])
    full = [Fr(1)]
    for q in pts:
        full = polymul(full, [-q, Fr(1)])
    BT.append(full)
    return AT, G, BT


def sandwich(M, x):
    """M x M^T for each channel of x (channels first)."""
    return np.einsum('ij,cjk,lk->cil', M, x, M)


def error(m, points, trials, cin=64, seed=5):
    """Mean over trials of the largest error of a tile's outputs, over the largest output, in float32."""
    AT, G, BT = (np.array(x, dtype=np.float64) for x in matrices(m, points))
    AT32, G32, BT32 = (x.astype(np.float32) for x in (AT, G, BT))
    a = m + 2
    rng = np.random.default_rng(seed)
    errs = []
    for _ in range(trials):
        d = rng.standard_normal((cin, a, a))
        g = rng.standard_normal((cin, 3, 3)) / np.sqrt(9 * cin)
        # What a conv layer computes (a correlation, as the kernels do), in float64.
        ref = np.array([[np.sum(d[:, y:y + 3, x:x + 3] * g) for x in range(m)] for y in range(m)])
        U = sandwich(G32, g.astype(np.float32)).astype(np.float32)
        V = sandwich(BT32, d.astype(np.float32)).astype(np.float32)
        Y = AT32 @ (U * V).sum(0, dtype=np.float32) @ AT32.T
        exact = AT @ (sandwich(G, g) * sandwich(BT, d)).sum(0) @ AT.T
        assert np.abs(exact - ref).max() < 1e-6 * np.abs(ref).max(), 'the matrices do not compute the layer: %.1e' % (np.abs(exact - ref).max() / np.abs(ref).max())
        errs.append(np.abs(Y - ref).max() / np.abs(ref).max())
    return float(np.mean(errs))


trials = int(sys.argv[1]) if len(sys.argv) > 1 else 20
half = Fr(1, 2)
print('F(4x4), points 0 +-1 +-2: %.2e' % error(4, [0, 1, -1, 2, -2], trials))
print('F(6x6), points 0 +-1 +-2 +-1/2: %.2e' % error(6, [0, 1, -1, 2, -2, half, -half], trials))
print('F(8x8), points 0 +-1 +-2 +-1/2 +-4 (powers of 2): %.2e' % error(8, [0, 1, -1, 2, -2, half, -half, 4, -4], trials))
fractions = [Fr(1, 2), Fr(2), Fr(1, 4), Fr(4), Fr(3, 2), Fr(2, 3), Fr(3, 4), Fr(4, 3), Fr(3), Fr(1, 3), Fr(5, 4), Fr(4, 5), Fr(5, 2), Fr(2, 5), Fr(5, 3), Fr(3, 5)]
found = []
for abc in itertools.combinations(fractions, 3):
    found.append((error(8, [0, 1, -1] + [s * x for x in abc for s in (1, -1)], max(2, trials // 4), seed=1), abc))
found.sort()
for e, abc in found[:5]:
    print('F(8x8), points 0 +-1 ' + ' '.join('+-%s' % x for x in abc) + ': %.2e' % e)
best = [0, 1, -1] + [s * x for x in found[0][1] for s in (1, -1)]
print('F(8x8) with the best: %.2e over %d trials' % (error(8, best, trials), trials))
for name, rows in zip(('A^T', 'G', 'B^T'), matrices(8, best)):
    print(name)
    for row in rows:
        print('  [' + ' '.join(str(x) for x in row) + ']')
