"""Built-in theorems: each method's one-step lemma, its rate, and their certificates, end to end.

``prove(name)`` derives (A, B, C) with ``proofs.derive``, proves every parameter implication and rate
implication with ``proofs.implication``, and collects the kernel's verdicts. z3 and Coq cross-check
every kernel-checked lemma (``backends``). Only the kernel's verdicts make ``status == "proved"``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import sympy as sp

from proofs.context import parameter_context
from proofs.derive import Derivation, derive_lyapunov
from proofs.kernel import rate_theorem
from proofs.implication import Proof, condition_from_relational, prove_condition, prove_rate
from theory.errors import UnknownNameError
from theory.methods import Method, get_method
from theory.symbols import D0, K, L, alpha, beta, gamma, sigma_int


@dataclass(frozen=True)
class TheoremSpec:
    name: str
    method: str
    assumptions: tuple[str, ...]
    use_C: bool = False
    #: step-size conditions under which a simpler, stated rate is proved from the derived one
    specialization: tuple[tuple[sp.Basic, ...], sp.Expr] | None = None
    problem: str = "saddle-tight"
    description: str = ""
    #: a theorem proved by its own procedure (schedules, memory): spec -> TheoremResult-compatible object
    custom: Callable[["TheoremSpec"], object] | None = None


def _sgd_decreasing(spec: TheoremSpec) -> object:
    from proofs.schedules import prove_sgd_decreasing
    return prove_sgd_decreasing(spec)


def _adagrad_norm_max(spec: TheoremSpec) -> object:
    from proofs.adagrad import prove_adagrad_norm_max
    return prove_adagrad_norm_max(spec)


def _adagrad_bounded(spec: TheoremSpec) -> object:
    from proofs.adagrad_bounded import prove_adagrad_bounded
    return prove_adagrad_bounded(spec)


def _decsps(spec: TheoremSpec) -> object:
    from proofs.decsps import prove_decsps
    return prove_decsps(spec)


THEOREMS: dict[str, TheoremSpec] = {t.name: t for t in (
    TheoremSpec("sgd", "sgd", ("alpha_beta", "smooth"),
                specialization=((sp.Le(gamma, (alpha - beta) / (2 * L)),),
                                D0 / (gamma * (alpha - beta) * K) + 2 * (L * gamma + beta) * sigma_int / (alpha - beta)),
                description="SGD with constant step (THEORY.md section 6, Theorem 1 of the paper)"),
    TheoremSpec("sps_max", "sps_max", ("alpha_beta", "smooth"),
                description="Stochastic Polyak step with cap gamma_b"),
    TheoremSpec("ngn", "ngn", ("alpha_beta", "smooth", "nonneg_losses"), use_C=True,
                description="NGN step for nonnegative losses, with the positivity error sigma_pos"),
    TheoremSpec("sgd_decreasing", "sgd_decreasing", ("alpha_beta", "smooth"), custom=_sgd_decreasing,
                description="SGD with gamma_k = gamma0/sqrt(k+1); H_K = sum_{k<K} 1/(k+1) kept exact "
                            "(proofs/schedules.py, trusted sum rules in proofs/rules.py)"),
    TheoremSpec("adagrad_norm_max", "adagrad_norm_max", ("alpha_beta", "bounded_gradients"), problem="pseudo-huber",
                custom=_adagrad_norm_max,
                description="AdaGrad-norm-max (memory: c_k^2, b_k^2) under bounded gradients g2 <= G; state "
                            "invariants by induction, sum of the random remainder by ln (proofs/adagrad.py)"),
    TheoremSpec("adagrad_bounded_iterates", "adagrad_norm_max",
                ("alpha_beta", "bounded_gradients", "bounded_iterates"), problem="pseudo-huber",
                custom=_adagrad_bounded,
                description="AdaGrad-norm-max under bounded gradients and bounded iterates dist(x_k, S)^2 <= Dmax2: "
                            "the step divided out, neighbourhood beta sigma_int/(alpha - beta) (proofs/adagrad_bounded.py)"),
    TheoremSpec("dec_sps", "dec_sps", ("alpha_beta", "smooth", "bounded_iterates"), problem="pseudo-huber",
                custom=_decsps,
                description="DecSPS (memory: gamma_{k-1}, c_{k-1}) under bounded iterates dist(x_k, S)^2 <= Dmax2; "
                            "mu: any lower bound of c_k gamma_k with mu <= 1/(2L), mu <= c gamma_b (proofs/decsps.py)"),
)}


def get_theorem(name: str) -> TheoremSpec:
    try:
        return THEOREMS[name]
    except KeyError:
        raise UnknownNameError("theorem", name, THEOREMS) from None


@dataclass
class TheoremResult:
    spec: TheoremSpec
    method: Method
    derivation: Derivation
    implications: list[Proof]
    rate_proof: Proof | None
    bound: sp.Expr
    conditions: list[tuple[sp.Expr, bool]]
    seconds: float
    backends: dict = field(default_factory=dict)

    @property
    def lemmas(self) -> list[tuple[object, dict, object]]:
        """(lemma, certificates, kernel result) of every lemma the theorem rests on."""
        d = self.derivation
        out = [(d.lemma, d.certificates, d.kernel), (d.positivity.lemma, d.positivity_certificates, d.positivity)]
        out += [(p.lemma, p.certificates, p.kernel) for p in self.implications]
        if self.rate_proof:
            out.append((self.rate_proof.lemma, self.rate_proof.certificates, self.rate_proof.kernel))
        return out

    @property
    def proved(self) -> bool:
        """Every lemma kernel-checked, and the kernel's rate rule accepts their combination."""
        d, r = self.derivation, self.rate_proof
        return all(k.proved for _, _, k in self.lemmas) and r is not None and \
            rate_theorem(d.step, d.A, d.B, d.C, self.bound, d.kernel, d.positivity, r.kernel)


def condition_text(expr: sp.Expr, strict: bool) -> str:
    return f"{sp.sstr(expr)} {'>' if strict else '>='} 0"


def prove(name: str) -> TheoremResult:
    """Derive and certify the built-in theorem ``name`` (kernel only; see ``run_backends``)."""
    spec = get_theorem(name)
    if spec.custom is not None:
        return spec.custom(spec)  # type: ignore[return-value]
    method = get_method(spec.method)
    t0 = time.perf_counter()
    positive = tuple(method.parameters)
    d = derive_lyapunov(spec.name, method.step, spec.assumptions, positive, use_C=spec.use_C)
    conditions = list(d.conditions)
    implications: list[Proof] = []
    bound = d.rate
    ctx = parameter_context(positive, list(d.conditions))
    rate_proof = prove_rate(f"{name}_rate", bound, d.A, d.B, d.C, ctx)
    if spec.specialization:
        rels, claimed = spec.specialization
        ctx = parameter_context(positive)
        stated = []
        for r in rels:
            for e, s in condition_from_relational(r, set(ctx.positive), set(ctx.nonnegative)):
                ctx.add_condition(e, s)
                stated.append((e, s))
        for e, strict in d.conditions:
            p = prove_condition(f"{name}_implies_{len(implications)}", e, strict, ctx)
            implications.append(p)
            ctx.add_condition(e, strict)
        rate_proof = prove_rate(f"{name}_rate", claimed, d.A, d.B, d.C, ctx)
        bound = claimed
        conditions = stated[:1]
    return TheoremResult(spec, method, d, implications, rate_proof, bound, conditions, time.perf_counter() - t0)


def run_backends(result: TheoremResult, z3: bool = True, coq: bool = True, out_dir: str | Path = "abcheck-out/coq",
                 z3_timeout_ms: int = 5000) -> dict:
    """z3 and Coq cross-checks of every lemma; returns {"z3": {...}, "coq": {...}} summaries."""
    from proofs.coq_export import coq_check
    from proofs.z3_backend import z3_prove
    lemmas = getattr(result, "backend_lemmas", None) or result.lemmas   # sqrt-free restatements, if any
    out: dict = {}
    if z3:
        runs = [z3_prove(lem, z3_timeout_ms) for lem, _, _ in lemmas]
        status = "proved" if all(r.status == "proved" for r in runs) else \
            ("refuted" if any(r.status == "refuted" for r in runs) else "unknown")
        out["z3"] = {"status": status, "lemmas": [{"lemma": lem.name, "status": r.status, "reason": r.reason,
                                                   "seconds": round(r.seconds, 3)}
                                                  for (lem, _, _), r in zip(lemmas, runs)]}
    else:
        out["z3"] = {"status": "skipped", "reason": "disabled by --no-z3"}
    if coq:
        import shutil
        if shutil.which("coqc") is None:
            out["coq"] = {"status": "skipped", "reason": "coqc not found (install Debian's coq)"}
        else:
            runs = [coq_check(lem, certs, out_dir) for lem, certs, k in lemmas if k.proved]
            from proofs.coq_export import coq_check_file    # facts a trusted rule uses (e.g. about ln)
            runs += [coq_check_file(src, out_dir) for src in getattr(result, "coq_facts", ())]
            # every lemma must reach Coq: a restatement the kernel refused is a lemma Coq did not check
            status = "proved" if runs and all(r.status == "proved" for r in runs) and \
                all(k.proved for _, _, k in lemmas) else "failed"
            out["coq"] = {"status": status, "lemmas": [{"path": r.path, "status": r.status, "reason": r.reason[:300],
                                                        "seconds": round(r.seconds, 2)} for r in runs]}
    else:
        out["coq"] = {"status": "skipped", "reason": "disabled by --no-coq"}
    result.backends = out
    return out
