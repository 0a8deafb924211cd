"""Export a kernel-certified lemma to a self-contained Coq file and compile it with ``coqc`` (untrusted
second opinion, independent of SymPy: Coq re-proves every step from its own axioms of the reals).

The file (``Require Import Reals Lra Psatz.``) holds

* one *case lemma* per case of ``proofs.kernel.split_cases(lemma.goal, lemma.definitions)``:

      forall vars, (lemma premises) -> (the case's conditions) -> 0 <= case_goal /\\ (positivity facts)

  proved exactly as the kernel checks the case's certificate: case conditions ``e != 0`` with e manifestly
  >= 0 become ``0 < e``; each fact is proved by its own certificate; every denominator gets ``0 < d`` by a
  proof that follows the kernel's sign rules (``Rmult_lt_0_compat``, ``Rplus_le_lt_0_compat``, ``pow_lt``,
  ``Rinv_0_lt_compat``, ...); each term ``0 <= multiplier * (factor_1 * ...)`` by ``Rmult_le_pos``, each
  square ``0 <= weight * base^2`` by ``pow2_ge_0``, each equality term ``mu * e = 0`` by rewriting
  ``e = 0``; the certificate identity ``case_goal = slack + sum of terms`` by ``field`` (side conditions:
  the denominators are nonzero, from the positivity facts); and the conclusion by ``lra``, which only needs
  the identity and the term facts (linear reasoning over the terms as atoms);

  the kernel's newer rules: a sum over a manifestly positive common denominator is signed like its
  expanded numerator (``ab_frac_le``/``ab_frac_lt``, identity e = num * / den by ``field``); square roots
  b^(n/2) print as ``sqrt b ^ n`` (``sqrt_pos``, ``sqrt_lt_R0`` for the signs). SymPy simplifies
  sqrt(b)*sqrt(b) to b while ``field`` treats ``sqrt b`` as a free atom, so an identity with square roots
  is proved as lhs - rhs = sum_i c_i (sqrt b_i * sqrt b_i - b_i) by ``field`` (cofactors c_i computed here
  by reducing the numerator modulo r_i^2 - b_i), then ``sqrt_sqrt`` (0 <= b_i by the sign rules) zeroes
  each term (``_Context.identity``); nested square roots are refused (CoqExportError);

* the lemma itself, stated with its definitions as ``let`` (Min -> ``Rmin``, Max -> ``Rmax``, Piecewise ->
  ``if Req_EM_T a b then .. else ..`` / ``Rle_dec`` / ``Rlt_dec``), proved by case analysis on every
  ``if``/``Rmin``/``Rmax`` (``ab_split``) and, in each branch, by a case lemma whose conditions follow from
  the branch (``lra``) and whose goal equals the branch's goal (``field``; with square roots, through the
  branch goal's own Coq view: ``transitivity`` and the identity above, since SymPy's case goal may have
  sqrt(b)^2 already replaced by b).

Nothing is admitted: no ``Admitted``, ``admit`` or ``Axiom``; ``coqc`` exit status 0 means "proved" for
this backend. The kernel alone decides the overall "proved".
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from proofs.certificate import Case, Certificate, Lemma
from proofs.kernel import _is_zero_rational_function, sign, split_cases

__all__ = ["CoqResult", "CoqExportError", "coq_script", "coq_check", "coq_identifier", "COQ_PREAMBLE"]


class CoqExportError(ValueError):
    """The lemma or a certificate cannot be written as a Coq proof (unsupported construct, missing case,
    a sign the kernel's rules do not establish, ...)."""


@dataclass(frozen=True)
class CoqResult:
    """status: "proved" (coqc exit 0), "failed" (export error, coqc error or time limit) or "skipped"
    (coqc not installed; the file is still written). path: the .v file written (None if none was)."""

    status: str
    path: str | None
    reason: str
    seconds: float


# --------------------------------------------------------------------------------------------------
# names

_KEYWORDS = frozenset("""
    as at by cofix else end exists exists2 fix for forall fun if IF in let match mod Prop return Set SProp
    then Type using where with R Rmin Rmax Rabs pow IZR Rinv Rdiv Rplus Rmult Ropp Rminus Rle Rlt Rge Rgt
    Rle_dec Rlt_dec Req_EM_T nat Z S O True False and or not eq lra nra field ring psatz Lemma Proof Qed
    Theorem Definition Require Import Open Scope Ltac Goal conj proj1 proj2 Rmult_le_pos Rmult_lt_0_compat
    Rplus_le_le_0_compat Rplus_lt_le_0_compat Rplus_le_lt_0_compat pow_lt pow_le pow2_ge_0 pow_mult
    Rinv_0_lt_compat Rlt_le Rgt_not_eq Rnot_le_lt Rnot_lt_le Rle_lt_or_eq_dec Rmin_left Rmin_right Rmax_left
    Rmax_right sqrt sqrt_pos sqrt_lt_R0 sqrt_sqrt Rminus_diag_uniq transitivity
""".split())
_GENERATED = re.compile(r"^ab([A-Z_]|$)")   # the script's own names: abH1_.., abK0, ab_bridge_le, ...


def coq_identifier(name: str) -> str:
    """A valid Coq identifier for ``name`` (invalid characters -> '_'; keywords, library names that the
    script uses and names like the script's own (``ab`` + capital or underscore) get ``v_`` in front)."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", name) or "v"
    if s[0].isdigit() or s[0] == "_":
        s = "v_" + s
    if s in _KEYWORDS or _GENERATED.match(s):
        s = "v_" + s
    return s


def _symbol_names(symbols: set[sp.Symbol]) -> dict[sp.Symbol, str]:
    out: dict[sp.Symbol, str] = {}
    used: set[str] = set()
    for s in sorted(symbols, key=lambda s: (s.name, str(s.assumptions0))):
        base = coq_identifier(s.name)
        name, i = base, 1
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        out[s] = name
    return out


def _negative_coefficient(e: sp.Expr) -> bool:
    return (e.is_Rational and e < 0) or (isinstance(e, sp.Mul) and e.args[0].is_Rational and e.args[0] < 0)


# --------------------------------------------------------------------------------------------------
# printing SymPy as Coq terms (fully parenthesised; n-ary + and * nest to the left, as Coq parses them)


def _is_root(e: sp.Basic) -> bool:
    return isinstance(e, sp.Pow) and e.exp.is_Rational and e.exp.q == 2


class _Printer:
    def __init__(self, names: dict[sp.Symbol, str]) -> None:
        self.names = dict(names)
        self.roots: dict[sp.Expr, sp.Dummy] = {}     # base b -> the atom r standing for sqrt b
        self.base_of: dict[sp.Dummy, sp.Expr] = {}

    def root(self, base: sp.Expr) -> sp.Dummy:
        """The atom r = sqrt(base) of the Coq view (printed ``(sqrt base)``)."""
        if base not in self.roots:
            if any(_is_root(n) for n in sp.preorder_traversal(base)):
                raise CoqExportError(f"nested square root sqrt({base}) is not supported")
            r = sp.Dummy(f"abr{len(self.roots)}")
            self.roots[base], self.base_of[r] = r, base
            self.names[r] = f"(sqrt {self(base)})"
        return self.roots[base]

    def unview(self, e: sp.Basic) -> sp.Expr:
        return sp.sympify(e).xreplace({r: sp.sqrt(b) for b, r in self.roots.items()})

    def view(self, e: sp.Basic) -> sp.Expr:
        """``e`` as Coq sees it: each b^(n/2) becomes r^n with r = sqrt(b) a free atom. SymPy simplifies
        sqrt(b)*sqrt(b) to b, Coq's ``field`` does not: identities between views may need r*r = b."""
        e = sp.sympify(e)
        if _is_root(e):
            return self.root(e.base) ** int(e.exp.p)
        if not e.args or not any(_is_root(n) for n in sp.preorder_traversal(e)):
            return e
        return e.func(*(self.view(a) for a in e.args))

    def __call__(self, e: sp.Basic) -> str:
        e = sp.sympify(e)
        if isinstance(e, sp.Symbol):
            if e not in self.names:
                raise CoqExportError(f"symbol {e} is not bound")
            return self.names[e]
        if isinstance(e, sp.Float):
            raise CoqExportError(f"floating-point number {e}: the kernel only accepts rationals")
        if isinstance(e, sp.Integer):
            return str(e.p) if e.p >= 0 else f"({e.p})"
        if isinstance(e, sp.Rational):
            return f"({e.p} / {e.q})"
        if isinstance(e, sp.Add):
            # a negative term prints as "- t": such an Add is never signed by the kernel's rules (a negative
            # coefficient has no sign), so no sign proof descends into it
            out = ""
            for i, a in enumerate(e.args):
                if _negative_coefficient(a):
                    out += (" - " if i else "- ") + self(-a)
                else:
                    out += (" + " if i else "") + self(a)
            return f"({out})"
        if isinstance(e, sp.Mul):
            if e.args[0] == -1:
                return f"(- {self(sp.Mul(*e.args[1:], evaluate=False)) if len(e.args) > 2 else self(e.args[1])})"
            return "(" + " * ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            if e.exp.is_Rational and e.exp.q == 2:   # b^(n/2) = (sqrt b)^n
                root, n = f"(sqrt {self(e.base)})", int(e.exp.p)
                if n == 1:
                    return root
                return f"({root} ^ {n})" if n > 0 else (f"(/ {root})" if n == -1 else f"(/ ({root} ^ {-n}))")
            if not e.exp.is_Integer:
                raise CoqExportError(f"power {e} with an exponent other than n or n/2 is not supported")
            n = int(e.exp)
            if n > 0:
                return f"({self(e.base)} ^ {n})"
            if n == -1:
                return f"(/ {self(e.base)})"
            return f"(/ ({self(e.base)} ^ {-n}))"
        if isinstance(e, (sp.Min, sp.Max)):
            fn = "Rmin" if isinstance(e, sp.Min) else "Rmax"
            args = [self(a) for a in e.args]
            out = args[-1]
            for a in reversed(args[:-1]):
                out = f"({fn} {a} {out})"
            return out
        if isinstance(e, sp.Piecewise):
            return self._piecewise(list(e.args))
        raise CoqExportError(f"cannot print {e} ({type(e).__name__}) in Coq")

    def _piecewise(self, pairs: list) -> str:
        value, cond = pairs[0]
        if cond is sp.true:
            return self(value)
        if len(pairs) == 1:
            raise CoqExportError("a Piecewise needs a final True branch for Coq")
        yes, no = self(value), self._piecewise(pairs[1:])
        if isinstance(cond, sp.Eq):
            return f"(if Req_EM_T {self(cond.lhs)} {self(cond.rhs)} then {yes} else {no})"
        if isinstance(cond, sp.Ne):
            return f"(if Req_EM_T {self(cond.lhs)} {self(cond.rhs)} then {no} else {yes})"
        if isinstance(cond, (sp.Le, sp.Ge)):
            a, b = (cond.lhs, cond.rhs) if isinstance(cond, sp.Le) else (cond.rhs, cond.lhs)
            return f"(if Rle_dec {self(a)} {self(b)} then {yes} else {no})"
        if isinstance(cond, (sp.Lt, sp.Gt)):
            a, b = (cond.lhs, cond.rhs) if isinstance(cond, sp.Lt) else (cond.rhs, cond.lhs)
            return f"(if Rlt_dec {self(a)} {self(b)} then {yes} else {no})"
        raise CoqExportError(f"Piecewise condition {cond} is not supported (use =, !=, <, <=, >, >=)")


# --------------------------------------------------------------------------------------------------
# the fixed part of every file

COQ_PREAMBLE = r"""Require Import Reals Lra Psatz.
Open Scope R_scope.

(* Generated by abcheck (proofs/coq_export.py). Self-contained: nothing is admitted. *)

Lemma ab_pow_even : forall (x : R) (m : nat), 0 <= x ^ (2 * m).
Proof. intros x m. rewrite pow_mult. apply pow_le. apply pow2_ge_0. Qed.

Lemma ab_bridge_le : forall a b : R, 0 <= a -> a = b -> 0 <= b.
Proof. intros a b H E. rewrite <- E. exact H. Qed.

Lemma ab_bridge_lt : forall a b : R, 0 < a -> a = b -> 0 < b.
Proof. intros a b H E. rewrite <- E. exact H. Qed.

Lemma ab_scale_le : forall q r e : R, e = q * r -> 0 < q -> 0 <= r -> 0 <= e.
Proof. intros q r e E Q H. rewrite E. apply Rmult_le_pos; [apply Rlt_le; exact Q | exact H]. Qed.

Lemma ab_scale_lt : forall q r e : R, e = q * r -> 0 < q -> 0 < r -> 0 < e.
Proof. intros q r e E Q H. rewrite E. apply Rmult_lt_0_compat; [exact Q | exact H]. Qed.

Lemma ab_num_le : forall e q r d : R, e = q * r * / d -> 0 < q -> 0 < d -> 0 <= e -> 0 <= r.
Proof.
  intros e q r d E Q D H.
  assert (X : r = e * d * / q) by (rewrite E; field; split; apply Rgt_not_eq; assumption).
  rewrite X. apply Rmult_le_pos; [apply Rmult_le_pos; [exact H | apply Rlt_le; exact D] | ].
  apply Rlt_le; apply Rinv_0_lt_compat; exact Q.
Qed.

Lemma ab_num_lt : forall e q r d : R, e = q * r * / d -> 0 < q -> 0 < d -> 0 < e -> 0 < r.
Proof.
  intros e q r d E Q D H.
  assert (X : r = e * d * / q) by (rewrite E; field; split; apply Rgt_not_eq; assumption).
  rewrite X. apply Rmult_lt_0_compat; [apply Rmult_lt_0_compat; [exact H | exact D] | ].
  apply Rinv_0_lt_compat; exact Q.
Qed.

Lemma ab_frac_le : forall e n d : R, e = n * / d -> 0 < d -> 0 <= n -> 0 <= e.
Proof.
  intros e n d E D N. rewrite E. apply Rmult_le_pos; [exact N | apply Rlt_le; apply Rinv_0_lt_compat; exact D].
Qed.

Lemma ab_frac_lt : forall e n d : R, e = n * / d -> 0 < d -> 0 < n -> 0 < e.
Proof. intros e n d E D N. rewrite E. apply Rmult_lt_0_compat; [exact N | apply Rinv_0_lt_compat; exact D]. Qed.

Lemma ab_ne_pos : forall x : R, 0 <= x -> x <> 0 -> 0 < x.
Proof.
  intros x H N. destruct (Rle_lt_or_eq_dec 0 x H) as [L|E]; [exact L | exfalso; apply N; symmetry; exact E].
Qed.

(* 0 < p for the normal forms that field leaves as side conditions (sums and products of signed atoms) *)
Ltac ab_pos_struct :=
  match goal with
  | |- 0 < _ + _ => first [ apply Rplus_lt_le_0_compat; [ab_pos_struct | ab_nn_struct]
                          | apply Rplus_le_lt_0_compat; [ab_nn_struct | ab_pos_struct] ]
  | |- 0 < _ * _ => apply Rmult_lt_0_compat; ab_pos_struct
  | |- 0 < _ ^ _ => apply pow_lt; ab_pos_struct
  | |- 0 < / _ => apply Rinv_0_lt_compat; ab_pos_struct
  | |- 0 < sqrt _ => apply sqrt_lt_R0; ab_pos_struct
  | |- 0 < _ => first [ assumption | lra ]
  end
with ab_nn_struct :=
  match goal with
  | |- 0 <= _ + _ => apply Rplus_le_le_0_compat; ab_nn_struct
  | |- 0 <= _ * _ => apply Rmult_le_pos; ab_nn_struct
  | |- 0 <= _ ^ 2 => apply pow2_ge_0
  | |- 0 <= _ ^ _ => apply pow_le; ab_nn_struct
  | |- 0 <= sqrt _ => apply sqrt_pos
  | |- 0 <= _ => first [ assumption | lra | apply Rlt_le; ab_pos_struct ]
  end.

Ltac ab_pos := first [ assumption | lra | ab_pos_struct | nra ].

(* the side conditions of field: each denominator is nonzero because it is positive *)
Ltac ab_nz := repeat split; match goal with |- ?x <> 0 => apply Rgt_not_eq; unfold Rgt; ab_pos end.

(* a case condition of the kernel, from the hypotheses of a branch of the case analysis *)
Ltac ab_cond :=
  first [ assumption
        | lra
        | (let Z := fresh "abZ" in intro Z; match goal with H : ?a <> ?b |- False => apply H; lra end) ].

(* case analysis on every if / Rmin / Rmax of the goal, outer conditionals first *)
Ltac ab_split :=
  repeat match goal with
  | |- context [Req_EM_T ?a ?b] => let C := fresh "abC" in destruct (Req_EM_T a b) as [C|C]
  | |- context [Rle_dec ?a ?b] => let C := fresh "abC" in
      destruct (Rle_dec a b) as [C|C]; [idtac | apply Rnot_le_lt in C]
  | |- context [Rlt_dec ?a ?b] => let C := fresh "abC" in
      destruct (Rlt_dec a b) as [C|C]; [idtac | apply Rnot_lt_le in C]
  | |- context [Rmin ?a ?b] => let C := fresh "abC" in
      destruct (Rle_dec a b) as [C|C];
      [ rewrite (Rmin_left a b C) in *
      | apply Rnot_le_lt in C; rewrite (Rmin_right a b (Rlt_le _ _ C)) in * ]
  | |- context [Rmax ?a ?b] => let C := fresh "abC" in
      destruct (Rle_dec a b) as [C|C];
      [ rewrite (Rmax_right a b C) in *
      | apply Rnot_le_lt in C; rewrite (Rmax_left a b (Rlt_le _ _ C)) in * ]
  (* a nested Rmin/Rmax left in a branch condition, e.g. a <= Rmin b c *)
  | H : context [Rmin ?a ?b] |- _ => let C := fresh "abC" in
      destruct (Rle_dec a b) as [C|C];
      [ rewrite (Rmin_left a b C) in *
      | apply Rnot_le_lt in C; rewrite (Rmin_right a b (Rlt_le _ _ C)) in * ]
  | H : context [Rmax ?a ?b] |- _ => let C := fresh "abC" in
      destruct (Rle_dec a b) as [C|C];
      [ rewrite (Rmax_right a b C) in *
      | apply Rnot_le_lt in C; rewrite (Rmax_left a b (Rlt_le _ _ C)) in * ]
  end.
"""


# --------------------------------------------------------------------------------------------------
# proofs of signs, following proofs.kernel.sign rule by rule


class _Context:
    """What the kernel knows inside one case: Coq names of the facts 0 < e (pos), 0 <= e (nonneg), the
    usable hypotheses (factor -> (name, strict)) and equalities (e -> name of e = 0)."""

    def __init__(self, pr: _Printer) -> None:
        self.pr = pr
        self.pos: dict[sp.Expr, str] = {}
        self.nonneg: dict[sp.Expr, str] = {}
        self.hyps: dict[sp.Expr, tuple[str, bool]] = {}
        self.eqs: dict[sp.Expr, str] = {}
        self.lines: list[str] = []
        self.exported: list[tuple[str, str]] = []   # (name, statement) of derived facts
        self._n = 0

    def fresh(self, stem: str) -> str:
        self._n += 1
        return f"ab{stem}{self._n}"

    def sign(self, e: sp.Expr) -> str | None:
        return sign(e, set(self.pos), set(self.nonneg))

    def add_hyp(self, e: sp.Expr, name: str, strict: bool) -> None:
        self.hyps.setdefault(e, (name, strict))

    def prove(self, e: sp.Expr, want: str) -> str:
        """A tactic proving 0 < e (want='pos') or 0 <= e (want='nonneg') by the kernel's sign rules."""
        e = sp.sympify(e)
        s = self.sign(e)
        if s is None or (want == "pos" and s != "pos"):
            raise CoqExportError(f"{e} is not manifestly {'positive' if want == 'pos' else 'nonnegative'}")
        if e in self.pos:
            return f"exact {self.pos[e]}" if want == "pos" else f"apply Rlt_le; exact {self.pos[e]}"
        if e in self.nonneg:
            return f"exact {self.nonneg[e]}"
        if e.is_Rational:
            return "lra"
        if isinstance(e, sp.Add):  # the kernel's rule for q * (a signed sum), q a positive rational
            q, rest = e.primitive()
            if q > 0 and q != 1 and rest != e and self.sign(rest):
                lemma = "ab_scale_lt" if want == "pos" else "ab_scale_le"
                return (f"apply ({lemma} {self.pr(q)} {self.pr(rest)}); "
                        f"[first [lra | (field; ab_nz)] | lra | {self.prove(rest, want)}]")
            signs = [self.sign(a) for a in e.args]
            if None in signs or (want == "pos" and "pos" not in signs):
                # the kernel's rule for a sum over a positive common denominator: e = num/den
                num, den = sp.fraction(sp.together(e))
                num = sp.expand(num)
                wanted = ("pos",) if want == "pos" else ("pos", "nonneg")
                if den != 1 and self.sign(den) == "pos" and self.sign(num) in wanted:
                    lemma = "ab_frac_lt" if want == "pos" else "ab_frac_le"
                    pr = self.pr
                    rhs = f"{pr(num)} * / {pr(den)}"
                    ident = self.identity(e, rhs, pr.view(num) / pr.view(den))
                    return (f"apply ({lemma} {pr(e)} {pr(num)} {pr(den)}); "
                            f"[{ident} | {self.prove(den, 'pos')} | {self.prove(num, want)}]")
        if isinstance(e, (sp.Add, sp.Mul)):
            return self._fold(list(e.args), want, isinstance(e, sp.Add))
        if isinstance(e, sp.Pow) and _is_root(e):   # (sqrt b)^n: sqrt_pos, sqrt_lt_R0 (b > 0)
            n = int(e.exp.p)
            if want == "nonneg" and n > 0:
                return "apply sqrt_pos" if n == 1 else "apply pow_le; apply sqrt_pos"
            inner = f"apply sqrt_lt_R0; {self.prove(e.base, 'pos')}"
            inner = inner if abs(n) == 1 else f"apply pow_lt; {inner}"
            tac = inner if n > 0 else f"apply Rinv_0_lt_compat; {inner}"
            return tac if want == "pos" else f"apply Rlt_le; {tac}"
        if isinstance(e, sp.Pow):
            n, base, sb = int(e.exp), e.base, self.sign(e.base)
            if n < 0:  # the kernel signs a negative power only through a positive base
                inner = self.prove(base, "pos") if n == -1 else f"apply pow_lt; {self.prove(base, 'pos')}"
                tac = f"apply Rinv_0_lt_compat; {inner}"
                return tac if want == "pos" else f"apply Rlt_le; {tac}"
            if want == "pos":
                return f"apply pow_lt; {self.prove(base, 'pos')}"
            if n % 2 == 0:
                return "apply pow2_ge_0" if n == 2 else f"apply (ab_pow_even _ {n // 2})"
            if sb is not None:
                return f"apply pow_le; {self.prove(base, 'nonneg')}"
        raise CoqExportError(f"no sign proof for {e}")  # pragma: no cover - sign() would have said None

    def identity(self, lhs: sp.Expr, rhs_text: str, rhs_view: sp.Expr) -> str:
        """A tactic proving the goal ``pr(lhs) = rhs_text``, where the Coq term rhs_text is the rational
        function ``rhs_view`` of the Coq atoms (see ``_Printer.view``). Without square roots: ``field``.
        With them the identity may hold only modulo r*r = b (r = sqrt b): lhs - rhs = sum_i c_i (r_i r_i - b_i)
        with cofactors c_i computed here, proved by ``field`` with every r_i a free atom; then
        ``sqrt_sqrt`` (0 <= b_i by the sign rules) turns each r_i r_i - b_i into 0. A false identity leaves
        a remainder that is dropped here, so that ``field`` (and coqc) reject the file."""
        pr = self.pr
        diff = pr.view(lhs) - rhs_view
        roots = sorted((r for r in diff.free_symbols if r in pr.base_of), key=lambda r: r.name)
        pre = self._local_denominators([lhs, rhs_view])
        if not roots:
            return f"{pre}field; ab_nz" if pre else "field; ab_nz"
        num, den = sp.fraction(sp.together(diff))
        num = sp.expand(num)
        cofactors = []
        for r in roots:
            b = pr.view(pr.base_of[r])
            q, rem = sp.Integer(0), sp.Integer(0)
            for (k,), a in sp.Poly(num, r).terms():   # r^k = b^(k//2) r^(k%2) + (r^2 - b) h_k
                q += a * sp.Add(*(r**(k - 2 - 2 * j) * b**j for j in range(k // 2)))
                rem += a * b**(k // 2) * r**(k % 2)
            num = sp.expand(rem)
            if q != 0:
                cofactors.append((r, q))
        if not cofactors:
            return f"{pre}field; ab_nz"
        rels, parts, names = [], [], []
        for r, q in cofactors:
            b = pr.base_of[r]
            root, B = pr.names[r], pr(b)
            rel = f"({root} * {root} - {B})"
            name = self.fresh("Rt")
            rels.append(f"assert ({name} : {rel} = 0) by "
                        f"(rewrite (sqrt_sqrt {B}) by ({self.prove(b, 'nonneg')}); ring); ")
            parts.append(f"{pr(sp.factor_terms(q / den))} * {rel}")
            names.append(name)
        z = self.fresh("Z")
        return (pre + "".join(rels)
                + f"assert ({z} : {pr(lhs)} - ({rhs_text}) = {' + '.join(parts)}) by (field; ab_nz); "
                + f"rewrite {', '.join(names)} in {z}; apply Rminus_diag_uniq; rewrite {z}; ring")

    def _local_denominators(self, exprs: list) -> str:
        """Asserts 0 < d (by the sign rules) for the denominators of ``exprs`` not yet known, as a tactic
        prefix: field's side conditions then follow by ``assumption``."""
        out, seen = [], set(self.pos)
        for e in exprs:
            for den in reversed(_denominators(self.pr.unview(e))):
                if den not in seen and self.sign(den) == "pos":
                    seen.add(den)
                    out.append(f"assert ({self.fresh('W')} : 0 < {self.pr(den)}) by ({self.prove(den, 'pos')}); ")
        return "".join(out)

    def _fold(self, args: list[sp.Expr], want: str, is_add: bool) -> str:
        """Sign proof of the left-nested sum/product args[0] + ... + args[-1] (or *)."""
        if len(args) == 1:
            return self.prove(args[0], want)
        left, right = args[:-1], args[-1]
        signs = [self.sign(a) for a in args]
        if want == "nonneg":
            lemma = "Rplus_le_le_0_compat" if is_add else "Rmult_le_pos"
            return f"apply {lemma}; [{self._fold(left, 'nonneg', is_add)} | {self.prove(right, 'nonneg')}]"
        if not is_add:
            return f"apply Rmult_lt_0_compat; [{self._fold(left, 'pos', False)} | {self.prove(right, 'pos')}]"
        if "pos" in signs[:-1]:
            return f"apply Rplus_lt_le_0_compat; [{self._fold(left, 'pos', True)} | {self.prove(right, 'nonneg')}]"
        return f"apply Rplus_le_lt_0_compat; [{self._fold(left, 'nonneg', True)} | {self.prove(right, 'pos')}]"

    def assert_pos(self, e: sp.Expr, stem: str, export: bool) -> str:
        """Assert 0 < e (by the sign rules) unless already known; return its name."""
        if e in self.pos:
            return self.pos[e]
        name = self.fresh(stem)
        stmt = f"0 < {self.pr(e)}"
        self.lines.append(f"assert ({name} : {stmt}) by ({self.prove(e, 'pos')}).")
        self.pos[e] = name
        if export:
            self.exported.append((name, stmt))
        return name


def _denominators(e: sp.Basic) -> list[sp.Expr]:
    """The terms Coq's ``field`` needs nonzero: b for b^(-n), sqrt(b) for b^(-n/2); outer ones first."""
    return [sp.sqrt(n.base) if _is_root(n) else n.base for n in sp.preorder_traversal(sp.sympify(e))
            if isinstance(n, sp.Pow) and n.exp.is_negative]


def _cert_exprs(target: sp.Expr, cert: Certificate) -> list[sp.Expr]:
    out = [target, cert.slack]
    for t in cert.terms:
        out += [t.multiplier, *t.factors]
    for q in cert.eq_terms:
        out += [q.multiplier, q.equality]
    for s in cert.squares:
        out += [s.weight, s.base]
    return [sp.sympify(x) for x in out]


def _prove_certificate(ctx: _Context, target: sp.Expr, strict: bool, cert: Certificate, tag: str) -> None:
    """Append to ctx.lines a proof of 0 <= target (0 < target if strict) from ``cert``, as the kernel's
    check_certificate checks it, ending with the assertion named ``tag``."""
    pr = ctx.pr
    for fact in cert.facts:
        if fact.certificate.facts:
            raise CoqExportError(f"fact {fact.expr}: nested facts are not allowed")
        ftarget = sp.sympify(fact.expr) - sp.sympify(fact.lower)
        raw = ctx.fresh("Fraw")
        _prove_certificate(ctx, ftarget, False, fact.certificate, raw)
        lo = ctx.fresh("Flo")
        rel = "<" if fact.strict else "<="
        ctx.lines.append(f"assert ({lo} : 0 {rel} {pr(fact.lower)}) by "
                         f"({ctx.prove(sp.sympify(fact.lower), 'pos' if fact.strict else 'nonneg')}).")
        name = ctx.fresh("F")
        stmt = f"0 {rel} {pr(fact.expr)}"
        ctx.lines.append(f"assert ({name} : {stmt}) by lra.")
        ctx.exported.append((name, stmt))
        (ctx.pos if fact.strict else ctx.nonneg).setdefault(sp.sympify(fact.expr), name)
        ctx.add_hyp(sp.sympify(fact.expr), name, fact.strict)
    for e in _cert_exprs(target, cert):
        for den in reversed(_denominators(e)):   # inner ones first
            ctx.assert_pos(den, "D", export=True)
    lines, summands = [], []
    if strict:
        name = ctx.fresh("Sl")
        lines.append(f"assert ({name} : 0 < {pr(cert.slack)}) by ({ctx.prove(sp.sympify(cert.slack), 'pos')}).")
        summands.append(pr(cert.slack))
    elif sp.sympify(cert.slack) != 0:
        raise CoqExportError("slack must be 0 for a non-strict goal")
    view = pr.view
    rhs_view = view(cert.slack) if strict else sp.Integer(0)
    for t in cert.terms:
        factors = [sp.sympify(h) for h in t.factors]
        rhs_view += view(t.multiplier) * sp.Mul(*(view(h) for h in factors))
        proofs = [ctx.prove(sp.sympify(t.multiplier), "nonneg")]
        for h in factors:
            if h in ctx.hyps:
                hname, hstrict = ctx.hyps[h]
                proofs.append(f"apply Rlt_le; exact {hname}" if hstrict else f"exact {hname}")
            else:
                proofs.append(ctx.prove(h, "nonneg"))
        text = pr(t.multiplier) if not factors else f"{pr(t.multiplier)} * {_right_product([pr(h) for h in factors])}"
        name = ctx.fresh("T")
        lines.append(f"assert ({name} : 0 <= {text}) by ({_right_nested_nonneg(proofs)}).")
        summands.append(f"({text})")
    for q in cert.eq_terms:
        eq = sp.sympify(q.equality)
        if eq not in ctx.eqs:
            raise CoqExportError(f"{eq} == 0 is not an equality of this case")
        text = f"{pr(q.multiplier)} * {pr(eq)}"
        rhs_view += view(q.multiplier) * view(eq)
        name = ctx.fresh("E")
        lines.append(f"assert ({name} : {text} = 0) by (rewrite {ctx.eqs[eq]}; ring).")
        summands.append(f"({text})")
    for s in cert.squares:
        text = f"{pr(s.weight)} * {pr(s.base)} ^ 2"
        rhs_view += view(s.weight) * view(s.base)**2
        name = ctx.fresh("S")
        lines.append(f"assert ({name} : 0 <= {text}) by "
                     f"(apply Rmult_le_pos; [{ctx.prove(sp.sympify(s.weight), 'nonneg')} | apply pow2_ge_0]).")
        summands.append(f"({text})")
    ident = ctx.fresh("Id")
    rhs_text = ' + '.join(summands) or '0'
    lines.append(f"assert ({ident} : {pr(target)} = {rhs_text}) by ({ctx.identity(target, rhs_text, rhs_view)}).")
    rel = "<" if strict else "<="
    ctx.lines.append(f"assert ({tag} : 0 {rel} {pr(target)}).")
    ctx.lines.append("{ " + "\n  ".join(lines + ["lra."]) + " }")


def _right_product(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else f"({texts[0]} * {_right_product(texts[1:])})"


def _right_nested_nonneg(proofs: list[str]) -> str:
    """Tactic for 0 <= p0 * (p1 * (p2 * ...)) from tactics for each 0 <= p_i."""
    if len(proofs) == 1:
        return proofs[0]
    return f"apply Rmult_le_pos; [{proofs[0]} | {_right_nested_nonneg(proofs[1:])}]"


# --------------------------------------------------------------------------------------------------
# the file


@dataclass
class _Premises:
    binders: list[str]          # "x y z" names
    statements: list[str]       # "0 <= h", ...
    names: list[str]            # hypothesis names, in order
    kinds: list[tuple[str, sp.Expr]]   # ("ge"|"eq"|"gt", expr) for the context


def _premises(lemma: Lemma, pr: _Printer, binders: list[str]) -> _Premises:
    stmts, names, kinds = [], [], []
    for i, (hname, h) in enumerate(lemma.hypotheses, 1):
        stmts.append(f"0 <= {pr(h)}")
        names.append(f"abH{i}_{coq_identifier(hname).removeprefix('v_')}")
        kinds.append(("ge", sp.sympify(h)))
    for i, (ename, e) in enumerate(lemma.equalities, 1):
        stmts.append(f"{pr(e)} = 0")
        names.append(f"abQ{i}_{coq_identifier(ename).removeprefix('v_')}")
        kinds.append(("eq", sp.sympify(e)))
    for i, p in enumerate(lemma.positive, 1):
        stmts.append(f"0 < {pr(p)}")
        names.append(f"abPos{i}")
        kinds.append(("gt", sp.sympify(p)))
    for i, q in enumerate(lemma.nonnegative, 1):
        stmts.append(f"0 <= {pr(q)}")
        names.append(f"abNn{i}")
        kinds.append(("nn", sp.sympify(q)))
    return _Premises(binders, stmts, names, kinds)


def _base_context(pr: _Printer, prem: _Premises) -> _Context:
    """The kernel's starting context: hypotheses, positive and nonnegative atoms (also usable as factors)."""
    ctx = _Context(pr)
    for (kind, e), name in zip(prem.kinds, prem.names):
        if kind == "eq":
            ctx.eqs.setdefault(e, name)
        elif kind == "gt":
            ctx.pos.setdefault(e, name)
            ctx.add_hyp(e, name, True)
        elif kind == "nn":
            ctx.nonneg.setdefault(e, name)
            ctx.add_hyp(e, name, False)
        else:
            ctx.add_hyp(e, name, False)
    return ctx


def _numerator_sign(ctx: _Context, e: sp.Expr, name: str, strict: bool) -> None:
    """The kernel's rule for a condition e >= 0 (> 0): with e = q * r / d (SymPy's ``together``), d
    manifestly > 0 and q a positive rational, also r >= 0 (> 0) is known."""
    num, den = sp.fraction(sp.together(e))
    if not (ctx.sign(den) == "pos" and isinstance(num, sp.Add) and num.primitive()[0] > 0):
        return
    q, rest = num.primitive()
    if rest in (ctx.pos if strict else ctx.nonneg):
        return
    pr = ctx.pr
    rname = ctx.fresh("N")
    stmt = f"0 {'<' if strict else '<='} {pr(rest)}"
    lemma = "ab_num_lt" if strict else "ab_num_le"
    ident = ctx.identity(e, f"{pr(q)} * {pr(rest)} * / {pr(den)}", q * pr.view(rest) / pr.view(den))
    ctx.lines.append(f"assert ({rname} : {stmt}) by (apply ({lemma} {pr(e)} {pr(q)} {pr(rest)} {pr(den)}); "
                     f"[{ident} | lra | {ctx.prove(den, 'pos')} | exact {name}]).")
    (ctx.pos if strict else ctx.nonneg)[rest] = rname
    ctx.exported.append((rname, stmt))


def _case_lemma(lemma_id: str, k: int, case: Case, lemma: Lemma, cert: Certificate, pr: _Printer,
                prem: _Premises) -> tuple[str, str, int]:
    """(text of the case lemma, its conclusion, the number of positivity facts after its goal)."""
    ctx = _base_context(pr, prem)
    cond_stmts, cond_names = [], []
    for i, c in enumerate(case.conditions, 1):
        e = sp.sympify(c.expr)
        name = f"abCnd{i}"
        if c.kind in ("ge", "gt"):
            strict = c.kind == "gt"
            cond_stmts.append(f"0 {'<' if strict else '<='} {pr(e)}")
            (ctx.pos if strict else ctx.nonneg).setdefault(e, name)
            ctx.add_hyp(e, name, strict)
            _numerator_sign(ctx, e, name, strict)
        elif c.kind == "eq":
            cond_stmts.append(f"{pr(e)} = 0")
            ctx.eqs.setdefault(e, name)
        elif c.kind == "ne":
            cond_stmts.append(f"{pr(e)} <> 0")
            if e not in ctx.pos and ctx.sign(e) is not None:  # the kernel: nonnegative and nonzero
                pname = ctx.fresh("P")
                stmt = f"0 < {pr(e)}"
                ctx.lines.append(f"assert ({pname} : {stmt}) by "
                                 f"(apply ab_ne_pos; [{ctx.prove(e, 'nonneg')} | exact {name}]).")
                ctx.pos[e] = pname
                ctx.exported.append((pname, stmt))
        else:
            raise CoqExportError(f"unexpected case condition kind {c.kind}")
        cond_names.append(name)
    _prove_certificate(ctx, sp.sympify(case.goal), lemma.strict, cert, "abGoal")
    rel = "<" if lemma.strict else "<="
    parts = [f"0 {rel} {pr(case.goal)}"] + [stmt for _, stmt in ctx.exported]
    conclusion = " /\\ ".join(parts)
    names = ["abGoal"] + [n for n, _ in ctx.exported]
    proof_term = names[-1]
    for n in reversed(names[:-1]):
        proof_term = f"(conj {n} {proof_term})"
    premises = prem.statements + cond_stmts
    head = (f"(* case {k}: {case.label} *)\n"
            f"Lemma {lemma_id}_case_{k} :{_forall(prem.binders)}\n"
            + "".join(f"  {s} ->\n" for s in premises) + f"  {conclusion}.\n")
    body = ("Proof.\n  intros " + " ".join(prem.binders + prem.names + cond_names) + ".\n  "
            + "\n  ".join(ctx.lines) + f"\n  exact {proof_term}.\nQed.\n")
    return head + body, conclusion, len(ctx.exported)


def _forall(binders: list[str]) -> str:
    return f" forall {' '.join(binders)} : R," if binders else ""


def _main_statement(lemma: Lemma, pr: _Printer, prem: _Premises, lemma_id: str) -> str:
    rel = "<" if lemma.strict else "<="
    lets = "".join(f"  let {pr(name)} := {pr(expr)} in\n" for name, expr in lemma.definitions)
    return (f"Lemma {lemma_id} :{_forall(prem.binders)}\n"
            + "".join(f"  {s} ->\n" for s in prem.statements) + lets + f"  0 {rel} {pr(lemma.goal)}.\n")


def coq_script(lemma: Lemma, certificates: dict[str, Certificate]) -> str:
    """The Coq file proving ``lemma`` from one certificate per kernel case (keys: the labels of
    ``split_cases(lemma.goal, lemma.definitions)``). Raises CoqExportError when it cannot be written."""
    goal = sp.sympify(lemma.goal)
    cases = [c for c in split_cases(goal, lemma.definitions)
             if not any(cond.kind == "false" for cond in c.conditions)]
    symbols = set(lemma.symbols()) | {s for s, _ in lemma.definitions}
    for case in cases:
        symbols |= sp.sympify(case.goal).free_symbols
    names = _symbol_names(symbols)
    pr = _Printer(names)
    defined = {s for s, _ in lemma.definitions}
    bound = {s: n for s, n in names.items() if s not in defined or _free_elsewhere(lemma, s)}
    prem = _premises(lemma, pr, sorted(bound.values()))
    lemma_id = coq_identifier(lemma.name)
    parts = [COQ_PREAMBLE]
    leaf_tactics = []
    # with square roots, SymPy's case goal (sqrt(b)^2 -> b, after substituting the definitions) may equal
    # the Coq branch goal only modulo r*r = b: bridge through the branch goal's own view (ctx.identity)
    rooted = any(_is_root(n) for e in [goal, *(d for _, d in lemma.definitions)] for n in sp.preorder_traversal(e))
    if rooted:
        vcases = [c for c in split_cases(pr.view(goal), tuple((s, pr.view(d)) for s, d in lemma.definitions))
                  if not any(cond.kind == "false" for cond in c.conditions)]
        main_ctx = _base_context(pr, prem)
    for k, case in enumerate(cases, 1):
        cert = certificates.get(case.label)
        if cert is None:
            raise CoqExportError(f"no certificate for case {case.label!r}")
        text, conclusion, n_exp = _case_lemma(lemma_id, k, case, lemma, cert, pr, prem)
        parts.append(text)
        bridge = "ab_bridge_lt" if lemma.strict else "ab_bridge_le"
        args = " ".join(prem.binders + prem.names)
        use = f"apply ({lemma_id}_case_{k} {args}); ab_cond"
        if n_exp == 0:
            get = f"assert (abK0 : {conclusion}) by ({use});"
        else:
            pattern = "(" + " & ".join(["abK0"] + [f"abK{i}" for i in range(1, n_exp + 1)]) + ")"
            get = f"assert (abK : {conclusion}) by ({use});\n      destruct abK as {pattern};"
        close = "field; ab_nz"
        if rooted:
            views = [vc.goal for vc in vcases if _same_rational_function(pr.unview(vc.goal), case.goal)]
            if not views:
                raise CoqExportError(f"case {case.label!r}: no branch of the Coq statement has this goal")
            close = "first [" + " | ".join(
                f"(transitivity {pr(v)}; [{main_ctx.identity(sp.sympify(case.goal), pr(v), v)} | field; ab_nz])"
                for v in views) + "]"
        leaf_tactics.append(f"({get}\n      apply ({bridge} _ _ abK0); {close})")
    alternatives = "\n    | ".join(leaf_tactics + ['fail 1 "no case lemma matches this branch"'])
    intros = " ".join(prem.binders + prem.names)
    parts.append(_main_statement(lemma, pr, prem, lemma_id)
                 + f"Proof.\n  intros {intros}.\n  cbv zeta.\n  ab_split.\n"
                 + f"  all: first\n    [ {alternatives} ].\nQed.\n")
    return "\n".join(parts)


def _same_rational_function(a: sp.Expr, b: sp.Expr) -> bool:
    try:
        return _is_zero_rational_function(sp.sympify(a) - sp.sympify(b))
    except (sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, ValueError, TypeError):
        return False


def _free_elsewhere(lemma: Lemma, s: sp.Symbol) -> bool:
    """True when a defined symbol also occurs outside the goal (then it is a free variable there)."""
    others = [e for _, e in lemma.hypotheses] + [e for _, e in lemma.equalities] + list(lemma.positive) \
        + list(lemma.nonnegative)
    return any(s in sp.sympify(e).free_symbols for e in others)


# --------------------------------------------------------------------------------------------------
# compiling


def coq_check(lemma: Lemma, certificates: dict[str, Certificate], out_dir: str | Path,
              timeout_s: float = 60) -> CoqResult:
    """Write ``<out_dir>/<sanitized lemma name>.v`` and compile it with ``coqc`` when it is installed.

    "proved": coqc exited 0; "failed": the export raised CoqExportError, coqc failed or ran past
    ``timeout_s``; "skipped": no coqc on PATH (the file is written all the same)."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{coq_identifier(lemma.name)}.v"
    try:
        text = coq_script(lemma, certificates)
    except ValueError as exc:   # CoqExportError, or a case condition split_cases does not support
        return CoqResult("failed", None, f"cannot export to Coq: {exc}", time.perf_counter() - t0)
    path.write_text(text)
    return _compile(path, timeout_s, t0)


def coq_check_file(source: str | Path, out_dir: str | Path, timeout_s: float = 60) -> CoqResult:
    """Copy a hand-written .v file (e.g. proofs/coq/log_potential.v, a fact a trusted rule uses) into
    ``out_dir`` and compile it, with the statuses of ``coq_check``."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / Path(source).name
    path.write_text(Path(source).read_text())
    return _compile(path, timeout_s, t0)


def _compile(path: Path, timeout_s: float, t0: float) -> CoqResult:
    out = path.parent
    coqc = shutil.which("coqc")
    if coqc is None:
        return CoqResult("skipped", str(path), "coqc is not installed", time.perf_counter() - t0)
    try:
        proc = subprocess.run([coqc, "-q", path.name], cwd=out, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return CoqResult("failed", str(path), f"coqc ran past {timeout_s} s", time.perf_counter() - t0)
    finally:
        for ext in (".vo", ".vok", ".vos", ".glob"):
            (out / f"{path.stem}{ext}").unlink(missing_ok=True)
        (out / f".{path.stem}.aux").unlink(missing_ok=True)
    if proc.returncode == 0:
        return CoqResult("proved", str(path), "coqc accepted the proof", time.perf_counter() - t0)
    message = " ".join((proc.stderr or proc.stdout).split())[:600]
    return CoqResult("failed", str(path), f"coqc exit {proc.returncode}: {message}", time.perf_counter() - t0)
