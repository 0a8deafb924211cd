"""Linear programs of the certificate search (untrusted; ``proofs.kernel`` checks whatever comes out).

At one sample point p of the parameters, matching the coefficients of the variable monomials gives
A x = b with x = (lambda >= 0 | mu, unknowns free) (``proofs.search``). Two solvers:

* ``lexicographic``: optimise the given objectives in turn, each later one subject to the earlier optima
  (within a relative 1e-9), the last one being the sparsity cost sum_j cost_j lambda_j;
* ``common_support``: the same systems at K points at once, each keeping its own optima of the
  objectives on the unknowns, with the cheapest set of product columns usable at *every* point (a
  mixed-integer program). A certificate whose structure fits several points of the region is what the exact
  re-solve over Q(p) turns into multipliers >= 0 on the whole region; the cheapest certificate at one
  point is often valid only near it (NGN's lemma in the paper's form, THEORY.md section 6).
"""
from __future__ import annotations

import ctypes
import os
import sys
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sps
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

Fixed = list[tuple[np.ndarray, float]]


@contextmanager
def _quiet_stdout():
    """HiGHS's MIP solver (scipy 1.17) prints debugging lines with C printf to file descriptor 1, which would
    corrupt ``--json`` output: send fd 1 to /dev/null meanwhile, flushing C's buffer before restoring it."""
    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError, TypeError):   # no C library to flush: nothing was buffered by it
            pass
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def lexicographic(A_eq: np.ndarray, b_eq: np.ndarray, n_lam: int, stages: list[np.ndarray]
                  ) -> tuple[np.ndarray, Fixed] | str | None:
    """(x, constraints fixing every stage but the last) optimal for ``stages`` in turn; "unbounded" when
    an objective stage (not the last) is unbounded; None when infeasible."""
    bounds = [(0, None)] * n_lam + [(None, None)] * (A_eq.shape[1] - n_lam)
    fixed: Fixed = []
    x = None
    for i, c in enumerate(stages):
        A_ub = np.array([r for r, _ in fixed]) if fixed else None
        b_ub = np.array([b for _, b in fixed]) if fixed else None
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status == 3 and i < len(stages) - 1:
            return "unbounded"
        if res.status != 0:
            return None
        x = res.x
        if i < len(stages) - 1:
            fixed.append((c, float(c @ x) + 1e-9 * (1 + abs(float(c @ x)))))
    return x, fixed


def common_support(systems: list[tuple[np.ndarray, np.ndarray, Fixed]], n_lam: int, costs: np.ndarray,
                   xs: list[np.ndarray], time_limit: float = 20.0) -> tuple[list[np.ndarray], set[int]] | None:
    """The cheapest set S of product columns (sum of ``costs`` over S) such that every system, with its own
    fixed stage optima, has a solution with lambda_j = 0 outside S: a mixed-integer program, one binary
    z_j per column and lambda^k_j <= M_k z_j (M_k = 100 x the largest multiplier of the single-point
    solution ``xs[k]``). Returns the solutions and S, or None when the program fails (for instance when
    the single-point optima of the unknowns need different structures)."""
    n, K = systems[0][0].shape[1], len(systems)
    blocks = sps.block_diag([sps.csr_matrix(A) for A, _, _ in systems], format="csr")
    A_eq = sps.hstack([blocks, sps.csr_matrix((blocks.shape[0], n_lam))], format="csr")
    b_eq = np.concatenate([b for _, b, _ in systems])
    rows, upper = [], []
    for k, (_, _, fixed) in enumerate(systems):
        for c, bound in fixed:   # keep this point's optimum of each objective on the unknowns
            r = np.zeros(K * n + n_lam)
            r[k * n:(k + 1) * n] = c
            rows.append(sps.csr_matrix(r))
            upper.append(bound)
        big = 100.0 * max(float(np.max(np.abs(xs[k][:n_lam]), initial=0.0)), 1.0)
        rows.append(sps.hstack([sps.csr_matrix((n_lam, k * n)), sps.eye(n_lam, n, format="csr"),
                                sps.csr_matrix((n_lam, (K - 1 - k) * n)), -big * sps.eye(n_lam, format="csr")]))
        upper += [0.0] * n_lam
    lb = np.array(([0.0] * n_lam + [-np.inf] * (n - n_lam)) * K + [0.0] * n_lam)
    ub = np.array([np.inf] * (K * n) + [1.0] * n_lam)
    with _quiet_stdout():
        res = milp(np.concatenate([np.zeros(K * n), costs]),
                   constraints=[LinearConstraint(A_eq, b_eq, b_eq),
                                LinearConstraint(sps.vstack(rows, format="csr"), -np.inf, np.array(upper))],
                   bounds=Bounds(lb, ub), integrality=np.concatenate([np.zeros(K * n), np.ones(n_lam)]),
                   options={"time_limit": time_limit})
    if res.x is None:
        return None
    return [res.x[k * n:(k + 1) * n] for k in range(K)], {j for j in range(n_lam) if res.x[K * n + j] > 0.5}
