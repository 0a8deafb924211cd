"""abcheck: a formal-verification-backed theory checker for the alpha-beta-condition.

The Python API lives in the packages ``theory`` (symbols, conditions, methods), ``proofs`` (kernel,
derivations, z3 and Coq backends), ``numerics`` (problems, simulation, measurement); this package holds
the command line (``abcheck``) and the reports built on them.
"""
__version__ = "0.1.0"
