"""``agent_rpe``: a meta-RL agent's units track the RPE of a model fitted to its behaviour (Wang et al. 2018).

An LSTM agent (48 units, A2C, the meta-RL inputs of Wang et al. 2016) is trained on
independent two-armed bandits whose arm probabilities are redrawn every episode (the
optimisation settings of cognax's Wang et al. 2016 bandit reproduction,
:data:`cognax.agents.repro_bandits.BANDIT_CONFIG`). With frozen weights it plays new test
episodes; Q-learning is fitted to its choices (each episode a session, as the values
restart with every new bandit; the median fitted parameters are used for every
episode), and the model's reward prediction error on each trial is regressed, with the
chosen value as a covariate, on every unit's activity after the outcome
(:mod:`cognax.signatures.agent_units`), with Freedman-Lane permutation tests and
Benjamini-Hochberg FDR control at 0.05.

Checks:

* the agent learned: its mean cumulative regret over 100 trials lies more than 4
  standard errors (over test episodes) below random choice's 16.67 (measured 3.6 over
  200 test episodes after 4,000 training episodes, seed 0; the earlier constant step
  size of 3e-3 reached only 11.4-13.5, depending on the machine's floating point);
* Q-learning describes its behaviour: fitted inverse temperature > 1 (choices follow
  the model's values, so the model's RPE is a meaningful regressor);
* the fraction of units with a significant RPE coefficient exceeds every one of 19
  (quick; 99 in full) shuffled-trial nulls (latent rows permuted across trials), a
  one-sided permutation p-value of 0.05 (0.01), and is at least a quarter of the units;
* the shuffled-trial null holds the nominal error rate: the units of a network are
  strongly correlated, so false discoveries come in clumps and the null *fraction* has
  no useful bound, but Benjamini-Hochberg at 0.05 keeps the probability of any
  discovery under a global null at about 0.05, so the number of shuffles with any
  significant unit must not exceed the 99.9% quantile of Binomial(n_shuffles, 0.05).

Files: ``rpe_regression.csv``, ``null_fractions.csv``, ``fitted_params.csv``,
``agent_rpe.png`` (fraction of RPE units vs the null; the strongest unit's activity
against the RPE).

Reference: Wang JX, Kurth-Nelson Z, Kumaran D, Tirumala D, Soyer H, Leibo JZ, Hassabis D,
Botvinick M (2018). Prefrontal cortex as a meta-reinforcement learning system. Nat
Neurosci 21:860-868.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pandas as pd

from cognax.reproduce.checks import Check, above, below

RANDOM_REGRET = 100.0 / 6.0
MIN_FRACTION = 0.25
MIN_INVERSE_TEMPERATURE = 1.0


def run(out: Path, *, quick: bool, seed: int) -> list[Check]:
    from scipy.stats import binom

    from cognax.agents import regret_curve
    from cognax.agents.repro_bandits import BANDIT_CONFIG, train_and_test

    out = Path(out)
    # test episodes for the regret; the first ``analysed`` of them for the RPE analysis.
    train_episodes, test_episodes, analysed, n_permutations, n_shuffles = (
        (4_000, 200, 40, 99, 19) if quick else (20_000, 500, 100, 199, 99)
    )
    _, evaluation = train_and_test(BANDIT_CONFIG, train_episodes, test_episodes, seed)
    regret_mean, regret_se = (float(v[-1]) for v in regret_curve(evaluation.table))
    with jax.enable_x64(True):
        params, trials, activity = _model_latents(evaluation, analysed, seed)
        from cognax.signatures.agent_units import rpe_unit_fraction

        result = rpe_unit_fraction(activity, trials, n_permutations=n_permutations, n_shuffles=n_shuffles, seed=seed)
    null = result["null_fractions"]
    any_discovery = int((null > 0).sum())
    checks = [
        below("agent_regret_at_100", regret_mean, RANDOM_REGRET - 4 * regret_se,
              f"random choice's 16.67 minus 4 SE ({regret_se:.2f})"),
        above("fitted_inverse_temperature", params["inverse_temperature"], MIN_INVERSE_TEMPERATURE,
              "choices follow the model's values"),
        above("fraction_rpe_units_minus_max_null", result["fraction"] - null.max(), 0.0,
              f"largest of {len(null)} shuffled-trial nulls"),
        above("fraction_rpe_units", result["fraction"], MIN_FRACTION, "a quarter of the units"),
        below("null_shuffles_with_any_discovery", any_discovery, binom.ppf(0.999, n_shuffles, 0.05) + 1,
              f"<= 99.9% quantile of Binomial({n_shuffles}, 0.05)"),
    ]
    from cognax.signatures.reproductions._common import save_figure, write_csv

    write_csv(result["regression"], out / "rpe_regression.csv")
    write_csv(pd.DataFrame({"shuffle": np.arange(len(null)), "fraction_significant": null}), out / "null_fractions.csv")
    write_csv(pd.DataFrame([params]), out / "fitted_params.csv")
    save_figure(lambda: _figure(result, trials, activity), out / "agent_rpe.png")
    return checks


def _model_latents(evaluation, analysed: int, seed: int):
    """Fit Q-learning to the first ``analysed`` test episodes; latents of the median parameters; outcome activity."""
    from cognax import models, tasks
    from cognax.data.batch import to_batch
    from cognax.fitting import fit
    from cognax.signatures.agent_units import outcome_activity
    from cognax.signatures.pipeline import latents_for_table

    task, model = tasks.make("bandit", n_trials=100), models.make("q_learning")
    table = evaluation.table[evaluation.table["session"] < analysed]
    by_episode = table.assign(subject=table["session"])[["subject", "session", "trial", "choice", "reward"]]
    fitted = fit(model, to_batch(by_episode, task), jax.random.key(seed), n_starts=3, standard_errors=False)
    params = {name: float(np.median(values)) for name, values in fitted.params.items()}
    n_episodes = by_episode["subject"].nunique()
    latents = latents_for_table(model, {k: np.full(n_episodes, v) for k, v in params.items()}, by_episode, task)
    trials, activity = outcome_activity(latents, evaluation.hidden)
    return params, trials, activity


def _figure(result, trials, activity):
    from cognax.signatures.reproductions._common import new_figure

    figure, (left, right) = new_figure(2, panel=(2.8, 2.3))
    null = result["null_fractions"]
    left.hist(null, bins=np.linspace(0, 1, 21), color="grey", label="shuffled trials")
    left.axvline(result["fraction"], color="tab:red", label="agent")
    left.set(xlabel="fraction of units coding RPE", ylabel="count", title="RPE units vs shuffled null")
    left.legend()
    rows = result["regression"]
    rpe_rows = rows[rows["regressor"] == "rpe"]
    best = int(rpe_rows.loc[rpe_rows["t"].abs().idxmax(), "unit"])
    rpe = trials["rpe"].to_numpy()
    right.scatter(rpe, activity[:, best], s=2, alpha=0.3, color="black")
    right.set(xlabel="model RPE", ylabel=f"unit {best} activity", title="strongest RPE unit")
    return figure
