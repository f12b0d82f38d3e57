"""Fits the polynomial coefficients of src/Vitrum.Tensors/Kernels/VectorMath.cs (run by hand).

Needs Debian's python3-numpy and python3-mpmath. Each polynomial is fitted by iteratively reweighted
least squares on Chebyshev nodes, which converges towards the minimax (equal-ripple) fit, then
checked in float32 arithmetic against mpmath. Prints the coefficients as C# float literals.

  exp(r), r in [-ln2/2, ln2/2]: degree 6, relative error ~1e-7.
  erf(t), t in [0, 4): 16 pieces of width 1/4, each a degree-5 polynomial in u = t - i/4 (the first
  with no constant term, so that erf keeps its relative accuracy near 0); abs error ~6e-8.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def cheb_nodes(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))


def fit(f, a, b, deg, origin, no_constant=False, nodes=2000, iters=30):
    """Coefficients c[0..deg] of sum c_k (x - origin)^k minimizing the maximum relative error of f on [a, b]."""
    xs = cheb_nodes(a, b, nodes)
    ys = np.array([float(f(x)) for x in xs])
    u = xs - origin
    base = 1 / np.abs(ys)
    w = base.copy()
    first = 1 if no_constant else 0
    for _ in range(iters):
        A = np.vander(u, deg + 1, increasing=True)[:, first:] * w[:, None]
        c, *_ = np.linalg.lstsq(A, ys * w, rcond=None)
        c = np.concatenate([np.zeros(first), c])
        err = np.abs(np.polyval(c[::-1], u) - ys) * base
        w = w * (err / err.max()) ** 0.3 + 1e-30
        w = w / w.max()
    return c.astype(np.float32)


def horner32(c, u):
    r = np.float32(c[-1])
    for k in range(len(c) - 2, -1, -1):
        r = np.float32(np.float32(r * u) + c[k])
    return r


h = float(np.log(2) / 2)
c_exp = fit(mp.exp, -h, h, 6, 0.0)
rs = np.linspace(-h, h, 100001).astype(np.float32)
ref = np.exp(rs.astype(np.float64))
print(f"// exp: max relative error {np.max(np.abs(horner32(c_exp, rs) - ref) / ref):.3g}")
print(", ".join(f"E{k} = {float(v)!r}f" for k, v in enumerate(c_exp)))

width, pieces, degree = 0.25, 16, 5
table = np.zeros((degree + 1, pieces), dtype=np.float32)
worst = 0.0
for i in range(pieces):
    a = i * width
    c = fit(mp.erf, a, a + width, degree, a, no_constant=(i == 0), nodes=400)
    table[:, i] = c
    ts = np.linspace(a, a + width, 2001).astype(np.float32)[:-1]
    ys = horner32(c, (ts - np.float32(a)).astype(np.float32))
    worst = max(worst, max(abs(float(y) - float(mp.erf(float(t)))) for t, y in zip(ts[::8], ys[::8])))
print(f"// erf pieces: max abs error {worst:.3g}; row k holds the coefficient of u^k for the 16 pieces")
for k in range(degree + 1):
    print("        " + ", ".join(f"{float(v)!r}f" for v in table[k]) + ",")
