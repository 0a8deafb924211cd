"""Measuring the alpha-beta-condition along training runs of torch models (THEORY.md section 8).

Public API:
  * ``measure_run`` / ``measure_landscape`` (``measure``): train (run 1), replay (run 2) and record
    a_k, b_k, c_k per step; ``RunMeasurement``; ``ReplayMismatchError``.
  * ``summarize`` (``stats``): Aiming, relaxed-PL and QCvx statistics; ``summarize_runs`` (``runner``)
    adds the exact feasible region (``numerics.region``).
  * ``per_sample_triples`` (``persample``): single-example triples with torch.func.
  * ``run_experiment`` (``runner``), ``EXPERIMENTS`` / ``Config`` / ``Experiment`` (``experiments``).
  * ``datasets``: digits, Fashion-MNIST (IDX), CIFAR-10/100 (pickle batches), synthetic problems.
  * ``results_table`` (``table``), ``assess`` (``assess``).
"""
from .experiments import EXPERIMENTS, Config, Experiment
from .measure import ReplayMismatchError, RunMeasurement, measure_landscape, measure_run, reference_from
from .persample import per_sample_triples
from .stats import summarize

__all__ = ["EXPERIMENTS", "Config", "Experiment", "ReplayMismatchError", "RunMeasurement", "measure_landscape",
           "measure_run", "reference_from", "per_sample_triples", "summarize"]
