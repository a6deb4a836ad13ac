"""Reproductions that check each learning rule against what the literature says it does.

- ``oja``: Oja's rule finds the first principal component of data with a known covariance.
- ``feedback_alignment``: on Lillicrap et al.'s (2016) linear task the angle between the FA
  and backprop updates starts near 90 degrees and falls as the forward weights align with the
  feedback; FA's loss ends close to backprop's.
- ``node_perturbation``: the estimate's error falls as ``1 / n_samples`` and its cosine with
  the gradient follows ``1 / sqrt(1 + m_1 / K)`` (``m_1``: one sample's normalised error);
  weight perturbation's ``m_1`` is ``n_parameters + 1`` (Werfel et al. 2005).
- ``predictive_coding``: at equilibrium, with a small output nudge, the weight updates match
  backprop's gradients (Whittington & Bogacz 2017).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax
import pandas as pd

from cognax.circuits import rules
from cognax.circuits.experiments._output import STYLE, new_figure, save_figure, write_csv
from cognax.circuits.networks import MLP
from cognax.circuits.rules.hebbian import oja_direction
from cognax.circuits.rules.perturbation import node_noise, node_perturbation_estimate, weight_noise, weight_perturbation_estimate
from cognax.circuits.train import train_online
from cognax.reproduce.checks import Check, above, below, close_to


def _flat(tree):
    return jnp.concatenate([leaf.ravel() for leaf in jax.tree.leaves(tree)])


def _cosine(a, b):
    return a @ b / (jnp.linalg.norm(a) * jnp.linalg.norm(b))


# ----------------------------------------------------------------------------- oja
def run_oja(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """A single Oja unit converges to the first principal component (cosine > 0.99, |w| -> 1)."""
    dim, n_seeds, steps, batch, learning_rate = 10, (5 if quick else 20), (1500 if quick else 5000), 10, 0.01
    eigenvalues = jnp.array([5.0, 2.0, 1.5, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2])
    basis, _ = jnp.linalg.qr(jax.random.normal(jax.random.key(seed), (dim, dim)))  # the known covariance's eigenvectors
    mixing = basis * jnp.sqrt(eigenvalues)
    first_pc = basis[:, 0]

    def one(key):
        init_key, data_key = jax.random.split(key)
        weights = 0.1 * jax.random.normal(init_key, (dim, 1))

        def step(weights, step_key):
            inputs = jax.random.normal(step_key, (batch, dim)) @ mixing.T
            weights = weights - learning_rate * oja_direction(weights, inputs)
            return weights, (jnp.abs(_cosine(weights[:, 0], first_pc)), jnp.linalg.norm(weights))

        return jax.lax.scan(step, weights, jax.random.split(data_key, steps))[1]

    cosine, norm = jax.jit(jax.vmap(one))(jax.random.split(jax.random.key(seed + 1), n_seeds))
    cosine, norm = np.asarray(cosine), np.asarray(norm)
    write_csv(pd.DataFrame(dict(step=np.arange(steps), mean_cosine=cosine.mean(0), mean_norm=norm.mean(0))), out / "oja_trace.csv")
    with matplotlib.rc_context(STYLE):
        figure, (ax_cos, ax_norm) = new_figure(2, panel=(2.8, 2.3))
        ax_cos.plot(cosine.T, color="black", alpha=0.4, linewidth=0.7)
        ax_cos.set(xlabel="update", ylabel="|cos(w, first PC)|", title="Oja's rule", ylim=(0, 1.02))
        ax_norm.plot(norm.T, color="tab:orange", alpha=0.4, linewidth=0.7)
        ax_norm.set(xlabel="update", ylabel="|w|")
        save_figure(figure, out / "oja.png")
    return [
        above("min_final_cosine_with_first_pc", float(cosine[:, -1].min()), 0.99, "Oja 1982"),
        # stationary fluctuations of |w| are O(sqrt(learning_rate * lambda)): 0.05 covers them
        close_to("mean_final_weight_norm", float(norm[:, -1].mean()), 1.0, 0.05),
    ]


# ----------------------------------------------------------------------------- feedback alignment
def run_feedback_alignment(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Lillicrap et al.'s linear task: a 30-20-10 linear network learns a random linear map."""
    # small initial weights, as in Lillicrap et al.: what W learns then dominates what it started with
    network = MLP((30, 20, 10), activation="linear", loss="mse", weight_scale=0.1)
    n_seeds, steps, batch, learning_rate = (4 if quick else 20), (500 if quick else 3000), 20, 0.02
    target_map = jax.random.normal(jax.random.key(seed), (30, 10)) / jnp.sqrt(30.0)

    def sample(key):
        inputs = jax.random.normal(key, (batch, 30))
        return inputs, inputs @ target_map

    def angle_and_loss(params, feedback, inputs, targets):
        # Lillicrap et al. measure the angle between the hidden-unit updates of FA and backprop
        error = network.output_error(network.output(params, inputs), targets)
        cosine = _cosine((error @ feedback[1].T).ravel(), (error @ params[1]["w"].T).ravel())
        return jnp.degrees(jnp.arccos(jnp.clip(cosine, -1.0, 1.0))), network.loss_value(params, inputs, targets)

    fa_rule, bp_rule = rules.make("feedback_alignment", network), rules.make("backprop", network)
    keys = jax.random.split(jax.random.key(seed + 1), n_seeds)
    fa = jax.jit(jax.vmap(lambda k: train_online(k, network, fa_rule, optax.sgd(learning_rate), sample, steps, angle_and_loss)[2]))
    bp = jax.jit(jax.vmap(lambda k: train_online(k, network, bp_rule, optax.sgd(learning_rate), sample, steps)[2]))
    (angle, fa_loss), bp_loss = fa(keys), bp(keys)  # same keys: same initial weights and batches
    angle, fa_loss, bp_loss = np.asarray(angle), np.asarray(fa_loss), np.asarray(bp_loss)
    window = steps // 10
    start_angle, end_angle = angle[:, 0].mean(), angle[:, -window:].mean()
    start_loss = fa_loss[:, 0].mean()
    fa_end, bp_end = fa_loss[:, -window:].mean(), bp_loss[:, -window:].mean()
    write_csv(pd.DataFrame(dict(step=np.arange(steps), angle_degrees=angle.mean(0), fa_loss=fa_loss.mean(0), bp_loss=bp_loss.mean(0))),
              out / "feedback_alignment_trace.csv")
    with matplotlib.rc_context(STYLE):
        figure, (ax_angle, ax_loss) = new_figure(2, panel=(2.8, 2.3))
        ax_angle.plot(angle.mean(0), color="black")
        ax_angle.axhline(90, color="grey", linestyle=":")
        ax_angle.set(xlabel="update", ylabel="angle FA vs BP (deg)", title="feedback alignment", ylim=(0, 120))
        ax_loss.plot(bp_loss.mean(0), color="black", label="backprop")
        ax_loss.plot(fa_loss.mean(0), color="tab:orange", label="feedback alignment")
        ax_loss.set(xlabel="update", ylabel="loss", yscale="log")
        ax_loss.legend()
        save_figure(figure, out / "feedback_alignment.png")
    return [
        # random feedback is uncorrelated with W at the start: 90 degrees up to sampling noise (15 covers a mean of 4 seeds)
        close_to("initial_angle_degrees", float(start_angle), 90.0, 15.0),
        below("final_angle_degrees", float(end_angle), 45.0, "well below 90 once W aligns with B"),
        below("fa_final_over_initial_loss", float(fa_end / start_loss), 0.01, "FA learns the map"),
        below("fa_minus_bp_final_loss_over_initial", float((fa_end - bp_end) / start_loss), 0.01, "close to backprop"),
    ]


# ----------------------------------------------------------------------------- node perturbation
@partial(jax.jit, static_argnames=("network", "n_draws", "sigma"))
def _perturbation_draws(key, network, params, inputs, targets, n_draws: int, sigma: float):
    def one(draw_key):
        node = node_perturbation_estimate(network, params, inputs, targets, node_noise(network, draw_key, inputs.shape[0], sigma, inputs.dtype), sigma)
        weight = weight_perturbation_estimate(network, params, inputs, targets, weight_noise(params, draw_key, sigma), sigma)
        return _flat(node), _flat(weight)

    return jax.vmap(one)(jax.random.split(key, n_draws))


def run_node_perturbation(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """Cosine with the gradient rises and error falls as 1/K with K perturbation samples."""
    network = MLP((10, 16, 5))
    sample_counts = (1, 4, 16, 64) if quick else (1, 4, 16, 64, 256)
    repeats, sigma = (30 if quick else 100), 1e-2
    keys = jax.random.split(jax.random.key(seed), 4)
    params = network.init(keys[0])
    inputs = jax.random.normal(keys[1], (32, 10))
    targets = jax.random.randint(keys[2], (32,), 0, 5)
    gradient = _flat(jax.grad(network.loss_value)(params, inputs, targets))
    node, weight = _perturbation_draws(keys[3], network, params, inputs, targets, sample_counts[-1] * repeats, sigma)
    scale = gradient @ gradient
    rows = []
    for name, draws in (("node", node), ("weight", weight)):
        single_error = float(jnp.mean(jnp.sum((draws - gradient) ** 2, axis=1)) / scale)
        for count in sample_counts:
            estimates = draws[: count * repeats].reshape(repeats, count, -1).mean(axis=1)
            cosines = estimates @ gradient / (jnp.linalg.norm(estimates, axis=1) * jnp.sqrt(scale))
            rows.append(dict(rule=f"{name}_perturbation", samples=count, mean_cosine=float(jnp.mean(cosines)),
                             sd_cosine=float(jnp.std(cosines)),
                             normalised_error=float(jnp.mean(jnp.sum((estimates - gradient) ** 2, axis=1)) / scale),
                             predicted_cosine=1.0 / np.sqrt(1.0 + single_error / count), single_sample_error=single_error))
    table = pd.DataFrame(rows)
    write_csv(table, out / "perturbation_estimates.csv")
    node_rows = table[table.rule == "node_perturbation"]
    slope = np.polyfit(np.log(node_rows.samples), np.log(node_rows.normalised_error), 1)[0]
    n_params = gradient.size
    weight_error = float(table[table.rule == "weight_perturbation"].single_sample_error.iloc[0])
    with matplotlib.rc_context(STYLE):
        figure, (ax_cos, ax_err) = new_figure(2, panel=(2.8, 2.3))
        for (name, part), colour in zip(table.groupby("rule", sort=False), ("black", "tab:orange")):
            ax_cos.errorbar(part.samples, part.mean_cosine, part.sd_cosine, color=colour, marker="o", markersize=3, label=name)
            ax_cos.plot(part.samples, part.predicted_cosine, color=colour, linestyle=":")
            ax_err.plot(part.samples, part.normalised_error, color=colour, marker="o", markersize=3, label=name)
        ax_cos.set(xscale="log", xlabel="perturbation samples K", ylabel="cos(estimate, gradient)", ylim=(0, 1))
        ax_cos.legend()
        ax_err.set(xscale="log", yscale="log", xlabel="perturbation samples K", ylabel="|estimate - g|² / |g|²")
        save_figure(figure, out / "node_perturbation.png")
    checks = [
        Check("node_cosine_rises_with_samples", "strictly increasing", " < ".join(f"{c:.3f}" for c in node_rows.mean_cosine),
              None, bool(np.all(np.diff(node_rows.mean_cosine) > 0))),
        # unbiased estimate: error variance exactly ~ 1/K; 0.1 covers the sampling error of 30 repeats
        close_to("node_error_log_slope_vs_samples", float(slope), -1.0, 0.1),
        # weight perturbation: E|g_hat - g|^2 = (n + 1)|g|^2 for Gaussian noise (n = parameters)
        close_to("weight_single_error_over_n_params_plus_1", weight_error / (n_params + 1), 1.0, 0.15),
        below("node_over_weight_single_error", float(node_rows.single_sample_error.iloc[0]) / weight_error, 1.0,
              "node perturbation has lower variance (Werfel et al. 2005)"),
    ]
    for row in node_rows.itertuples():
        # mean cosine of K-sample averages vs 1/sqrt(1 + m_1/K); 0.05 covers Jensen's gap and sampling error
        checks.append(close_to(f"node_cosine_K{row.samples}_vs_prediction", row.mean_cosine, row.predicted_cosine, 0.05))
    return checks


# ----------------------------------------------------------------------------- predictive coding
def run_predictive_coding(out: Path, *, quick: bool, seed: int) -> list[Check]:
    """PC's updates at equilibrium vs backprop's gradients on a 20-32-32-10 MLP."""
    network = MLP((20, 32, 32, 10))
    keys = jax.random.split(jax.random.key(seed), 3)
    params = network.init(keys[0])
    inputs = jax.random.normal(keys[1], (64, 20))
    targets = jax.random.randint(keys[2], (64,), 0, 10)
    gradient = jax.grad(network.loss_value)(params, inputs, targets)
    step_counts = (1, 5, 100) if quick else (1, 2, 3, 5, 10, 20, 50, 100, 200)
    rows = []
    for nudge in (1e-2,) if quick else (1e-1, 1e-2):
        for n_steps in step_counts:
            rule = rules.make("predictive_coding", network, nudge=nudge, output_variance=100.0, n_steps=n_steps)
            direction, _ = jax.jit(rule.update)((), params, inputs, targets, None)
            for layer in range(network.n_layers):
                pc, bp = direction[layer]["w"].ravel(), gradient[layer]["w"].ravel()
                rows.append(dict(nudge=nudge, inference_steps=n_steps, layer=layer,
                                 cosine=float(jnp.nan_to_num(_cosine(pc, bp))),
                                 relative_error=float(jnp.linalg.norm(pc - bp) / jnp.linalg.norm(bp))))
    table = pd.DataFrame(rows)
    write_csv(table, out / "predictive_coding.csv")
    equilibrium = table[(table.nudge == 1e-2) & (table.inference_steps == step_counts[-1])]
    one_step = table[(table.nudge == 1e-2) & (table.inference_steps == 1)]
    with matplotlib.rc_context(STYLE):
        figure, (ax,) = new_figure(1, panel=(3.2, 2.5))
        for (layer, part), colour in zip(table[table.nudge == 1e-2].groupby("layer"), ("tab:blue", "tab:orange", "black")):
            ax.plot(part.inference_steps, part.relative_error, marker="o", markersize=3, color=colour, label=f"layer {layer + 1}")
        ax.set(xscale="log", yscale="log", xlabel="inference steps", ylabel="|ΔW_PC - ∇W| / |∇W|", title="predictive coding vs backprop")
        ax.legend()
        save_figure(figure, out / "predictive_coding.png")
    return [
        above("min_layer_cosine_at_equilibrium", float(equilibrium.cosine.min()), 0.99, "Whittington & Bogacz 2017"),
        below("max_layer_relative_error_at_equilibrium", float(equilibrium.relative_error.max()), 0.05, "matches backprop"),
        # one inference step moves only the top hidden layer: no error has reached the first layer yet
        close_to("first_layer_relative_error_after_one_step", float(one_step[one_step.layer == 0].relative_error.iloc[0]), 1.0, 1e-6),
    ]
