"""Shared test helpers.

``require_coqc()`` -- for tests that need the Coq compiler: returns the path of ``coqc``; when it is
missing the test is *skipped* locally but *fails* when the environment variable ``CI`` is set (CI installs
Coq from the Debian package ``coq``, see ``.ci/run``). Use it directly or through the ``coqc`` fixture:

    from conftest import require_coqc          # or: def test_x(coqc): ...

    @pytest.mark.coq
    def test_compiles(tmp_path):
        require_coqc()
        ...
"""
from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    """True when the environment variable CI is set to anything but '', '0' or 'false'."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_coqc() -> str:
    """The path of coqc; skip the calling test when it is missing, or fail it when CI is set."""
    path = shutil.which("coqc")
    if path is None:
        message = "coqc is not installed (Debian package `coq`; .ci/run installs it)"
        if in_ci():
            pytest.fail(f"{message}, and CI is set: Coq tests must run in CI", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture
def coqc() -> str:
    """Fixture form of ``require_coqc()``."""
    return require_coqc()


def lemma_in(name, goal, ctx, hyps=(), strict=False, definitions=(), extra_nonneg=()):
    """A proofs.certificate.Lemma stated in a proofs.context.Context (for the red-team tests)."""
    from proofs.certificate import Lemma
    return Lemma(name, goal, tuple(ctx.hypotheses) + tuple(hyps), tuple(ctx.equalities), tuple(ctx.positive),
                 tuple(ctx.nonnegative) + tuple(extra_nonneg), strict, definitions)


def kernel_proved(lem, certs: dict):
    """The kernel's result, asserting it is proved: every premise of an attack is a lemma the kernel accepts."""
    from proofs.kernel import check
    r = check(lem, certs)
    assert r.proved, r.reason
    return r
