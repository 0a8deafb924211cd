"""Stored membership measurements for the default parameters of the families whose sampling is too slow
for construction. Each entry was produced by the command in its ``command`` field
(``python -m numerics.families.measure NAME --seed 0``, abcheck 0.1.0, torch float64); the test
``tests/test_functions_membership.py`` re-runs some of them and compares. Keys: (name, sorted params).
Status is always "sampled": these are the smallest margins over the samples, not proofs.
"""
MEASURED: dict = {
    ('paper-ex2', (('d', 2), ('n', 2), ('seed', None), ('sep', 2.0))): {
        'alpha': 0.55,
        'beta': 0.5499995098154234,
        'min_margin': 1.0003766814925541e-08,
        'samples': 32521,
        'method': 'sampled: 161x161 grid over [(-3.0, 5.0), (-3.0, 5.0)], far points (r = 10..1e4), clouds at S and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure paper-ex2 --seed 0',
        'worst_point': (-8.872005320932491, -0.5948388456143667),
    },
    ('paper-ex6', (('d', 2), ('n', 2), ('seed', None), ('sep', 1.0))): {
        'alpha': 0.55,
        'beta': 0.5239421247725331,
        'min_margin': 0.000531793366671196,
        'samples': 32521,
        'method': 'sampled: 161x161 grid over [(-3.0, 4.0), (-3.0, 4.0)], far points (r = 10..1e4), clouds at S and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure paper-ex6 --seed 0',
        'worst_point': (-7107.876566411316, 7034.06115990289),
    },
    ('paper-ex3', (('d', 2), ('sep', 2.5))): {
        'alpha': 1.05,
        'beta': 1.0421740759289717,
        'min_margin': 0.00015971272975701112,
        'samples': 30521,
        'method': 'sampled: 161x161 grid over [(-3.0, 5.5), (-3.0, 5.5)], far points (r = 10..1e4), clouds at S and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure paper-ex3 --seed 0',
        'worst_point': (-6950.396016235775, -7187.255941080753),
    },
    ('paper-ex3-printed', (('box', 5.0),)): {
        'alpha': 1.1,
        'beta': 1.0004233232364317,
        'min_margin': 0.0012757255012705304,
        'samples': 28921,
        'method': 'sampled: 161^2 grid (d = 2) or as many uniform points over the domain [(-3.75, 6.25), (-3.75, 6.25)], clouds at S and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure paper-ex3-printed --seed 0',
        'worst_point': (-0.9375, -3.75),
    },
    ('halfspace', (('d', 2), ('lam', 1e-05), ('per_class', 20), ('seed', 0), ('shift', 1.0))): {
        'alpha': 15.8489,
        'beta': 15.820180740903263,
        'min_margin': 0.0005863557664493868,
        'samples': 40521,
        'method': 'sampled: 161^2 grid (d = 2) or as many uniform points over [(-37.724456656155844, 37.724456656155844), (-37.724456656155844, 37.724456656155844)] plus far points (r = 10..1e4), clouds at S and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure halfspace --seed 0',
        'worst_point': (10.845781288644801, -11.317336996846752),
    },
    ('paper-ex4', (('box', 3.0), ('k', 3), ('m', 4), ('noise', 0.3), ('seed', 0))): {
        'alpha': 15848.9319,
        'beta': 15847.435905001978,
        'min_margin': 0.1439334331662394,
        'samples': 32921,
        'method': 'sampled: 25921 uniform points in the box, clouds at S and at the saddles; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure paper-ex4 --seed 0',
        'worst_point': (3.0, -3.0, -2.499042609629935, -3.0, -3.0, -3.0, 0.9516550369339138),
    },
    ('paper-ex5', (('box', 3.0), ('lam1', 0.01), ('lam2', 0.01), ('p', 2), ('samples', 6), ('seed', 0), ('width', 2))): {
        'alpha': 125.8925,
        'beta': 123.65797523382244,
        'min_margin': 0.7797779526886188,
        'samples': 32921,
        'method': 'sampled: 161^2 grid (d = 2) or as many uniform points over the domain [(-3.0, 3.0), (-3.0, 3.0), (-3.0, 3.0), (-3.0, 3.0), (-3.0, 3.0), (-3.0, 3.0)], clouds at S and stationary points, bisectors of S; (alpha, beta) minimises beta/(alpha-beta) on the sampled feasible region, moved 2% inside',
        'command': 'python -m numerics.families.measure paper-ex5 --seed 0',
        'worst_point': (2.8368168079570655, 2.5269474502882234, 2.4124454445879637, -2.775085952211323, -2.5556742413470004, -2.313724447717086),
    },
}
