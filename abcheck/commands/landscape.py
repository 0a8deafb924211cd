"""``abcheck landscape``: measure the alpha-beta-condition along real training runs (THEORY.md section 8).

    abcheck landscape --list
    abcheck landscape --experiment mlp_width [--quick] [--json] [--out DIR] [--seeds 0,1,2] [--per-sample]
    abcheck landscape --experiment mlp_width --dataset fashion_mnist --data-dir ~/data/fashion
    abcheck landscape --workload my_model.py:factory [--reference x_ref.pt] [--f-star -1.0]
    abcheck landscape --table [--results DIR ...] [--write docs/landscape.md]

Each run trains (run 1), then replays the same trajectory (run 2) to record a_k, b_k, c_k against the
last iterate; results go to ``abcheck-out/landscape/<experiment>[_quick]/`` as they are measured
(runs.jsonl, summary.json, PNG figures) and a rerun resumes. A workload factory returns a
``numerics.landscape.Config`` (or a list of them). Exit codes: 0 done, 2 bad input (including a replay
mismatch, a negative loss without --f-star, a reference point of the wrong shapes).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
from pathlib import Path

from theory.errors import InputError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("landscape", help="measure the alpha-beta-condition along training runs of torch models",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--experiment", metavar="NAME", help="one of the built-in experiments (see --list)")
    what.add_argument("--workload", metavar="FILE.py:FACTORY", help="your own model: a factory returning Config(s)")
    what.add_argument("--table", action="store_true", help="print (or --write) the results table from summaries")
    what.add_argument("--list", action="store_true", help="list the experiments")
    p.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    p.add_argument("--out", metavar="DIR", help="result folder (default abcheck-out/landscape/<name>[_quick])")
    p.add_argument("--seeds", metavar="S,S,...", help="comma-separated integer seeds")
    p.add_argument("--per-sample", action="store_true", help="also measure single-example f_i (torch.func)")
    p.add_argument("--dataset", choices=["digits", "fashion_mnist", "cifar10", "cifar100"],
                   help="image data for mlp_width, cnn_channels, batch_size, optimizers (default digits)")
    p.add_argument("--data-dir", metavar="DIR", help="folder with the dataset files (never downloaded)")
    p.add_argument("--max-samples", type=int, metavar="N", help="use the first N examples")
    p.add_argument("--reference", metavar="FILE", help="reference point x_ref (torch.save'd state dict) instead of x_K")
    p.add_argument("--f-star", metavar="VALUE", help="lower bound of every f_i (needed for losses that can be negative)")
    p.add_argument("--window", metavar="AMIN,AMAX,BMIN,BMAX",
                   help="the (alpha, beta) window of the region and heat-maps (default 0,10,0,10)")
    p.add_argument("--fresh", action="store_true", help="ignore finished runs in the result folder")
    p.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    p.add_argument("--results", nargs="*", metavar="DIR", help="with --table: summary folders (default: all found)")
    p.add_argument("--write", metavar="FILE.md", help="with --table: write the table into this markdown file")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=handler)


def _seeds(text: str | None) -> list[int] | None:
    if text is None:
        return None
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(int(part))
        except ValueError:
            raise InputError(f"--seeds expects comma-separated integers, got {part!r}") from None
    if not out:
        raise InputError("--seeds is empty")
    if len(set(out)) != len(out):
        raise InputError(f"--seeds has repeated seeds: {text!r}")
    return out


def _window(text: str | None):
    if text is None:
        return ((0.0, 10.0), (0.0, 10.0))
    parts = text.split(",")
    if len(parts) != 4:
        raise InputError(f"--window expects AMIN,AMAX,BMIN,BMAX, got {text!r}")
    try:
        a0, a1, b0, b1 = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--window expects four numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in (a0, a1, b0, b1)) or not (a0 < a1 and b0 < b1) or b1 <= 0:
        raise InputError(f"--window needs finite AMIN < AMAX and BMIN < BMAX with BMAX > 0, got {text!r}")
    return ((a0, a1), (b0, b1))


def _f_star(text: str | None) -> float | None:
    from abcheck.params import parse_number
    return None if text is None else parse_number(text, "--f-star")


def _load_reference(path: str | None):
    if path is None:
        return None
    import torch
    p = Path(path)
    if not p.is_file():
        raise InputError(f"reference file {path!r} not found")
    try:
        ref = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # unreadable / not a tensor file: one line
        raise InputError(f"cannot read reference file {path!r}: {type(exc).__name__}") from None
    if not isinstance(ref, (dict, torch.Tensor)):
        raise InputError(f"reference file {path!r} must hold a state dict or a flat tensor")
    return ref


def _load_workload(spec: str):
    from numerics.landscape.experiments import Config, Experiment
    path, sep, factory_name = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not factory_name.isidentifier():
        raise InputError(f"--workload expects FILE.py:FACTORY, got {spec!r}")
    p = Path(path)
    if not p.is_file():
        raise InputError(f"workload module {path!r} not found")
    mod_spec = importlib.util.spec_from_file_location(f"abcheck_user_workload_{p.stem}", p)
    if mod_spec is None or mod_spec.loader is None:
        raise InputError(f"cannot load workload module {path!r}")
    module = importlib.util.module_from_spec(mod_spec)
    try:
        mod_spec.loader.exec_module(module)
    except InputError:
        raise
    except Exception as exc:  # user code: one line
        raise InputError(f"workload module {path!r} failed to import: {type(exc).__name__}: {exc}") from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise InputError(f"workload module {path!r} has no callable {factory_name!r}")

    def build(quick: bool, options: dict) -> list:
        try:
            got = factory(quick) if _takes_arg(factory) else factory()
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"workload factory {factory_name!r} failed: {type(exc).__name__}: {exc}") from None
        items = got if isinstance(got, (list, tuple)) else [got]
        if not items or not all(isinstance(c, Config) for c in items):
            raise InputError(f"workload factory {factory_name!r} must return a Config or a list of Configs")
        return list(items)

    return Experiment(name=f"workload_{p.stem}", title=f"workload {p.name}:{factory_name}", varied="configuration",
                      paper_setup="(user workload)", paper_finding="(none)", substitution="(none)", build=build,
                      seeds_quick=(0,), seeds_full=(0, 1, 2))


def _takes_arg(fn) -> bool:
    import inspect
    try:
        return len(inspect.signature(fn).parameters) >= 1
    except (TypeError, ValueError):
        return False


def _print_summary(s: dict) -> None:
    from numerics.landscape.table import config_row
    print(f"{s['experiment']}: {s['title']} ({'quick' if s['quick'] else 'full'}), seeds {s['seeds']}, "
          f"{s['steps']} measured steps; results in {s.get('out_dir')}")
    head = ["setting", "seeds", "steps", "alpha range", "beta range", "gap 0.1", "best beta/(alpha-beta)",
            "PL mu_min d=2 (range)", "Aiming fails"]
    rows = [config_row(s["experiment"], c)[1:] for c in s["configs"]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    reg = s.get("region") or {}
    if reg:
        print(f"all settings at once: region {'empty' if reg['empty'] else 'nonempty'}; "
              f"best {json.dumps(reg.get('best'))}")
    a = s.get("assessment")
    if a:
        print(f"paper: {s['paper_finding']}")
        print(f"agrees: {a['agrees']}. {a['sentence']}")


def handler(args: argparse.Namespace) -> int:
    from numerics.landscape import experiments as E
    if args.list:
        rows = [{"name": e.name, "title": e.title, "paper_setup": e.paper_setup, "paper_finding": e.paper_finding,
                 "substitution": e.substitution} for e in E.EXPERIMENTS.values()]
        if args.json:
            print(json.dumps({"experiments": rows}, indent=1))
        else:
            for r in rows:
                print(f"{r['name']:14s} {r['title']}: {r['substitution']}")
        return 0
    if args.table:
        from numerics.landscape.runner import default_out_dir
        from numerics.landscape.table import load_summaries, results_table, update_doc
        if args.results:
            folders = [Path(f) for f in args.results]
        else:
            folders = []
            for name in E.EXPERIMENTS:
                full, quick = default_out_dir(name, False), default_out_dir(name, True)
                if (full / "summary.json").exists():
                    folders.append(full)
                elif (quick / "summary.json").exists():
                    folders.append(quick)
            if not folders:
                raise InputError("no experiment summaries found under abcheck-out/landscape; run an experiment first")
        sums = load_summaries(folders)
        table = results_table(sums)
        if args.write:
            kinds = sorted({"quick" if s.get("quick") else "full" for s in sums})
            note = (f"Generated by `abcheck landscape --table --write {args.write}` from "
                    f"{' and '.join(kinds)} runs (abcheck {sums[0].get('abcheck_version')}).\n\n")
            update_doc(args.write, table, note)
        if args.json:
            print(json.dumps({"table": table, "summaries": [str(f) for f in folders]}, indent=1))
        elif not args.write:
            print(table, end="")
        return 0
    if not args.experiment and not args.workload:
        raise InputError("give --experiment NAME, --workload FILE.py:FACTORY, --table or --list")
    if args.max_samples is not None and args.max_samples < 1:
        raise InputError(f"--max-samples must be >= 1, got {args.max_samples}")
    if args.data_dir and not Path(args.data_dir).is_dir():
        raise InputError(f"--data-dir {args.data_dir!r} is not a directory")
    from numerics.landscape.runner import run_experiment
    exp = _load_workload(args.workload) if args.workload else E.get(args.experiment)
    options = {"dataset": args.dataset, "data_dir": args.data_dir, "max_samples": args.max_samples}
    summary = run_experiment(exp, quick=args.quick, out_dir=args.out, options=options, seeds=_seeds(args.seeds),
                             per_sample=args.per_sample, resume=not args.fresh, progress=True,
                             figures=not args.no_figures, reference=_load_reference(args.reference),
                             f_star=_f_star(args.f_star), window=_window(args.window))
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        _print_summary(summary)
    return 0
