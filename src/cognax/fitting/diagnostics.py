"""Convergence diagnostics of a hierarchical fit, with what to do when one fails.

Checks R-hat and bulk and tail effective sample sizes (Vehtari et al. 2021: R-hat at
most 1.01, ESS at least 100 per chain), divergent transitions, NUTS trajectories cut
at the maximum tree depth, and the energy Bayesian fraction of missing information
(E-BFMI at least 0.3; Betancourt 2016). Each failed check gives one plain-language
message: what it means and what to try.

Example:
    >>> report = diagnose(result.idata)
    >>> print(report.to_text())         # doctest: +SKIP

References: Vehtari A, Gelman A, Simpson D, Carpenter B, Buerkner PC (2021). Rank-
normalization, folding, and localization: an improved R-hat for assessing convergence
of MCMC. Bayesian Analysis 16:667-718. Betancourt M (2016). Diagnosing suboptimal
cotangent disintegrations in Hamiltonian Monte Carlo. arXiv:1604.00695.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pandas as pd

R_HAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100
E_BFMI_MIN = 0.3


def import_arviz():
    """ArviZ, imported on first use without its once-a-day FutureWarning about its 1.0 refactor."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz
    return arviz


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """The outcome of :func:`diagnose`.

    Attributes:
        messages: one plain-language message per failed check (empty when all pass).
        table: one row per check: ``check, value, threshold, passed, worst`` (the
            quantity that did worst, where it applies).
        quantities: ``quantity, r_hat, ess_bulk, ess_tail`` for every scalar of the
            posterior.
    """

    messages: list[str]
    table: pd.DataFrame
    quantities: pd.DataFrame

    @property
    def passed(self) -> bool:
        return not self.messages

    def to_text(self) -> str:
        lines = ["convergence diagnostics", "", self.table.to_string(index=False), ""]
        lines += ["all checks passed"] if self.passed else [f"- {m}" for m in self.messages]
        return "\n".join(lines) + "\n"


def _quantities(posterior) -> pd.DataFrame:
    az = import_arviz()
    several = posterior.sizes["chain"] > 1
    results = {"ess_bulk": az.ess(posterior, method="bulk"), "ess_tail": az.ess(posterior, method="tail")}
    if several:
        results["r_hat"] = az.rhat(posterior)
    columns = {"quantity": [], "r_hat": [], "ess_bulk": [], "ess_tail": []}
    for name in posterior.data_vars:
        extra = [d for d in posterior[name].dims if d not in ("chain", "draw")]
        combos = itertools.product(*(posterior[name][d].values for d in extra))
        labels = [f"{name}[{', '.join(map(str, combo))}]" if extra else name for combo in combos]
        columns["quantity"] += labels
        for column in ("r_hat", "ess_bulk", "ess_tail"):
            values = np.ravel(results[column][name].values) if column in results else np.full(len(labels), np.nan)
            columns[column] += values.tolist()
    return pd.DataFrame(columns)


def diagnose(idata, r_hat_max: float = R_HAT_MAX, ess_per_chain_min: int = ESS_PER_CHAIN_MIN,
             e_bfmi_min: float = E_BFMI_MIN) -> Diagnostics:
    """Check a hierarchical fit's posterior (and NUTS sampler statistics where present)."""
    posterior = idata.posterior
    n_chains = posterior.sizes["chain"]
    quantities = _quantities(posterior)
    rows, messages = [], []
    method = posterior.attrs.get("method", "nuts")

    def add(check, value, threshold, passed, worst=""):
        rows.append({"check": check, "value": value, "threshold": threshold, "passed": bool(passed), "worst": worst})

    if method == "svi":
        change = float(posterior.attrs.get("loss_relative_change", np.nan))
        add("loss_relative_change", change, "<= 0.01", change <= 0.01)
        messages.append(
            "variational (SVI) fit: the posterior is a Normal approximation, so R-hat and the NUTS checks do "
            "not apply and posterior spreads are often too narrow; confirm important results with NUTS"
        )
        if not change <= 0.01:
            messages.append(
                f"the SVI loss still changed by {change:.1%} over the last tenth of the steps: the optimisation "
                "has not settled; run more steps (svi_steps) or lower the learning rate"
            )
    elif n_chains < 2:
        add("r_hat", np.nan, f"<= {r_hat_max}", False)
        messages.append("R-hat needs at least two chains to compare; run 4 chains (--chains 4) to check convergence")
    else:
        worst = quantities.loc[quantities["r_hat"].idxmax()]
        bad = int((quantities["r_hat"] > r_hat_max).sum())
        add("r_hat", float(worst["r_hat"]), f"<= {r_hat_max}", bad == 0, worst["quantity"])
        if bad:
            messages.append(
                f"R-hat is above {r_hat_max} for {bad} quantities (worst: {worst['quantity']}, {worst['r_hat']:.3f}): "
                "the chains disagree, so they have not yet mixed into one distribution and the estimates are not "
                "reliable. Run a longer warm-up (--warmup) and more draws; if it persists, the parameter may be "
                "weakly identified (tighter priors) or the posterior multimodal"
            )
    ess_min = ess_per_chain_min * n_chains
    for kind, what in (("bulk", "posterior means and medians"), ("tail", "interval ends (the posterior's tails)")):
        column = f"ess_{kind}"
        worst = quantities.loc[quantities[column].idxmin()]
        bad = int((quantities[column] < ess_min).sum())
        add(column, float(worst[column]), f">= {ess_min}", bad == 0, worst["quantity"])
        if bad:
            messages.append(
                f"{kind} effective sample size is below {ess_min} ({ess_per_chain_min} per chain) for {bad} "
                f"quantities (worst: {worst['quantity']}, {worst[column]:.0f}): the {what} rest on too few "
                "independent draws. Draw more samples (--samples) or run more chains; together with a high "
                "R-hat it points to poor mixing (longer warm-up, higher target_accept)"
            )
    if "sample_stats" in idata.groups() and "diverging" in idata.sample_stats:
        messages += _sampler_checks(idata.sample_stats, posterior.attrs, e_bfmi_min, add)
    return Diagnostics(messages, pd.DataFrame(rows), quantities)


def _sampler_checks(stats, attrs, e_bfmi_min, add) -> list[str]:
    az = import_arviz()
    messages = []
    n_transitions = int(stats["diverging"].size)
    divergences = int(stats["diverging"].sum())
    add("divergences", divergences, "0", divergences == 0)
    if divergences:
        target = attrs.get("target_accept", 0.8)
        messages.append(
            f"{divergences} of {n_transitions} transitions after warm-up diverged: the sampler met a region of "
            "high curvature it could not follow (often the funnel between a group SD and the subject values), so "
            "that part of the posterior may be missed and the estimates biased. Raise target_accept "
            f"(now {target}; try 0.95 or 0.99), which takes smaller steps; if divergences persist, reparameterise "
            "or give the group SDs (sigma) tighter priors"
        )
    max_depth = int(attrs.get("max_tree_depth", 10))
    saturated = int((stats["tree_depth"] >= max_depth).sum())
    add("tree_depth_saturation", saturated, "0", saturated == 0)
    if saturated:
        messages.append(
            f"{saturated} of {n_transitions} transitions stopped at the maximum tree depth ({max_depth}): the "
            "sampler cut trajectories short, which costs efficiency (not correctness) and signals a hard geometry, "
            "such as strongly correlated parameters. A longer warm-up helps it adapt; a higher max_tree_depth or "
            "reparameterising removes the cause"
        )
    e_bfmi = np.atleast_1d(az.bfmi(stats["energy"].values))
    low = [i for i, v in enumerate(e_bfmi) if v < e_bfmi_min]
    add("e_bfmi", float(e_bfmi.min()), f">= {e_bfmi_min}", not low)
    if low:
        messages.append(
            f"E-BFMI is below {e_bfmi_min} in chain(s) {', '.join(map(str, low))} (lowest {e_bfmi.min():.2f}): the "
            "sampler explores the posterior's energy levels poorly, so heavy tails may be missed. Run a longer "
            "warm-up; if it persists, reparameterise or use tighter priors on the group SDs"
        )
    return messages


__all__ = ["diagnose", "Diagnostics", "import_arviz", "R_HAT_MAX", "ESS_PER_CHAIN_MIN", "E_BFMI_MIN"]
