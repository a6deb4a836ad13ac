"""Fit one Stan program to an hBayesDM-style data file with PyStan 3; run in benchmarks/.venv-stan.

Called by benchmarks/hierarchical.py as ``python run_stan.py REQUEST.json``. The request
names the Stan program, the tab-separated data file (hBayesDM's columns: ``subjID``, then
``choice``/``outcome`` for a bandit or ``cue``/``keyPressed``/``outcome`` for go/no-go),
the chains, warm-up and draws, the seed, and where to write the draws. The data become
Stan's ``N``, ``T``, ``Tsubj`` and ``[N, T]`` arrays as hBayesDM prepares them (subjects in
order of first appearance, each one's rows in file order, padding after ``Tsubj[i]``).

Writes ``draws`` (an ``.npz``: every group-level quantity and the sampler's
``divergent__`` and ``n_leapfrog__`` as ``[chain, draw(, parameter)]`` arrays) and prints
one JSON line of timings: ``build_s`` (compiling, or loading the compiled model from
httpstan's cache when ``cached`` is true) and ``sample_s`` (``posterior.sample``: warm-up,
draws and PyStan reading them back, chains in parallel processes).

httpstan also caches *fits* made with a fixed seed, so a rerun would return the old draws
at once; this script deletes its model's cached fits before and after sampling. With
``fresh_compile`` the model is compiled into a temporary cache (the caller sets
``XDG_CACHE_HOME``), so the compile time is measured even when it was compiled before.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

#: hBayesDM's columns for each data format, and the Stan data array each one fills.
COLUMNS = {
    "bandit": {"choice": "choice", "outcome": "outcome"},
    "go/no-go": {"cue": "cue", "keyPressed": "pressed", "outcome": "outcome"},
}
#: Value written into padding (after a subject's last trial; Stan never reads it, but
#: it must satisfy the data block's bounds).
PADDING = {"choice": 1, "cue": 1, "pressed": 0, "outcome": 0.0}
INTEGER = {"choice", "cue", "pressed"}


def stan_data(path: Path, fmt: str) -> dict:
    """hBayesDM's preprocessing: one padded ``[N, T]`` array per column, plus ``Tsubj``."""
    rows: dict[str, list[dict]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            rows.setdefault(row["subjID"], []).append(row)
    subjects = list(rows)
    tsubj = [len(rows[s]) for s in subjects]
    n, t = len(subjects), max(tsubj)
    data = {"N": n, "T": t, "Tsubj": tsubj}
    for column, name in COLUMNS[fmt].items():
        kind = (lambda text: int(float(text))) if name in INTEGER else float
        grid = [[PADDING[name]] * t for _ in range(n)]
        for i, subject in enumerate(subjects):
            for j, row in enumerate(rows[subject]):
                grid[i][j] = kind(row[column])
        data[name] = grid
    return data


def clear_fits(model_name: str) -> None:
    import httpstan.cache

    shutil.rmtree(httpstan.cache.model_directory(model_name) / "fits", ignore_errors=True)


def main() -> None:
    request = json.loads(Path(sys.argv[1]).read_text())
    import httpstan.cache
    import httpstan.models
    import stan

    code = Path(request["program"]).read_text()
    data = stan_data(Path(request["data"]), request["format"])
    model_name = httpstan.models.calculate_model_name(code)
    cached = any(httpstan.cache.model_directory(model_name).glob("*.so"))

    start = time.perf_counter()
    posterior = stan.build(code, data=data, random_seed=request["seed"])
    build_s = time.perf_counter() - start

    clear_fits(posterior.model_name)
    start = time.perf_counter()
    fit = posterior.sample(num_chains=request["chains"], num_warmup=request["warmup"],
                           num_samples=request["samples"])
    sample_s = time.perf_counter() - start
    clear_fits(posterior.model_name)

    # fit._draws is [row, draw, chain]; rows are the sampler's quantities, then the
    # flattened parameters (Stan's column-major order), named as in ``columns``.
    columns = list(fit.sample_and_sampler_param_names) + list(fit.constrained_param_names)
    table = np.asarray(fit._draws)
    row = {name: i for i, name in enumerate(columns)}

    def chain_draw(name: str) -> np.ndarray:
        return table[row[name]].T  # [chain, draw]

    out = {}
    for name in request["vectors"]:  # e.g. mu_pr, sigma: [chain, draw, parameter]
        k = 1
        elements = []
        while f"{name}.{k}" in row:
            elements.append(chain_draw(f"{name}.{k}"))
            k += 1
        out[name] = np.stack(elements, axis=-1)
    for name in request["scalars"]:  # e.g. mu_A
        out[name] = chain_draw(name)
    for name in ("divergent__", "n_leapfrog__"):
        out[name] = chain_draw(name)
    np.savez(request["draws"], **out)
    print(json.dumps({"build_s": build_s, "sample_s": sample_s, "cached": cached,
                      "pystan": metadata.version("pystan"), "httpstan": metadata.version("httpstan")}))


if __name__ == "__main__":
    main()
