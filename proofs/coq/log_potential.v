(* The one fact about ln that the trusted rule proofs.rules.log_potential uses:
   for u, v > 0, (v - u)/v <= ln v - ln u   (i.e. 1 - 1/t <= ln t with t = v/u).
   Proof: 1 + x <= exp x at x = ln (u/v) gives 1 + ln u - ln v <= u/v. Compiled by tests/test_adagrad.py. *)
Require Import Reals Lra.
Open Scope R_scope.

Lemma log_potential : forall u v : R, 0 < u -> 0 < v -> (v - u) / v <= ln v - ln u.
Proof.
  intros u v Hu Hv.
  assert (Hd : 0 < u / v) by (apply Rdiv_lt_0_compat; assumption).
  assert (He : 1 + ln (u / v) <= exp (ln (u / v))) by apply exp_ineq1_le.
  rewrite exp_ln in He by assumption.
  assert (Hl : ln (u / v) = ln u - ln v).
  { unfold Rdiv. rewrite ln_mult, ln_Rinv; [ring | assumption | assumption | apply Rinv_0_lt_compat; assumption]. }
  rewrite Hl in He.
  assert (Hq : (v - u) / v = 1 - u / v) by (field; lra).
  rewrite Hq. lra.
Qed.
