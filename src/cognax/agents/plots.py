"""Figures of agents' test behaviour: regret curves, learning curves, two-step stay probabilities."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from cognax.analysis._figure import draw_and_save, new_figure


def plot_regret_curves(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], path: Path, title: str = "") -> None:
    """Expected cumulative regret by trial, one line (± 1 SE band) per agent or baseline."""

    def draw():
        figure, (ax,) = new_figure(1, panel=(4.2, 3.0))
        for label, (mean, se) in curves.items():
            trials = np.arange(1, len(mean) + 1)
            line, = ax.plot(trials, mean, lw=1.2, label=f"{label} ({mean[-1]:.2f})")
            ax.fill_between(trials, mean - se, mean + se, color=line.get_color(), alpha=0.2, lw=0)
        ax.set_xlabel("trial")
        ax.set_ylabel("expected cumulative regret")
        ax.set_title(title)
        ax.legend()
        return figure

    draw_and_save(draw, path, pdf=False, dpi=120)


def plot_stay_probabilities(stay: pd.DataFrame, path: Path, title: str = "") -> None:
    """The 2 x 2 stay-probability bar plot of the two-step task (mean ± SE over subjects)."""

    def draw():
        figure, (ax,) = new_figure(1, panel=(3.2, 2.8))
        cells = stay.groupby(["previous_reward", "previous_transition"])["stay_probability"]
        mean, se = cells.mean(), cells.std(ddof=1).fillna(0) / np.sqrt(cells.count())
        for offset, transition, colour in ((-0.2, "common", "tab:blue"), (0.2, "rare", "tab:red")):
            values = [mean.get((reward, transition), np.nan) for reward in ("rewarded", "unrewarded")]
            errors = [se.get((reward, transition), 0.0) for reward in ("rewarded", "unrewarded")]
            ax.bar(np.arange(2) + offset, values, 0.4, yerr=errors, color=colour, label=transition)
        ax.set_xticks([0, 1], ["rewarded", "unrewarded"])
        ax.set_ylabel("P(stay)")
        ax.set_ylim(0, 1)
        ax.set_title(title)
        ax.legend(title="transition")
        return figure

    draw_and_save(draw, path, pdf=False, dpi=120)


def plot_accuracy_by_trial(curve: pd.DataFrame, path: Path, title: str = "") -> None:
    """P(correct) by trial of the episode (mean over subjects)."""

    def draw():
        figure, (ax,) = new_figure(1, panel=(4.0, 2.8))
        mean = curve.groupby("trial")["p_correct"].mean()
        ax.plot(mean.index + 1, mean.to_numpy(), marker="o", ms=3, lw=1.2, color="black")
        ax.set_xlabel("trial")
        ax.set_ylabel("P(correct)")
        ax.set_ylim(0, 1.02)
        ax.set_title(title)
        return figure

    draw_and_save(draw, path, pdf=False, dpi=120)


def plot_evaluation(table: pd.DataFrame, environment, out: Path) -> list[Path]:
    """The figures that suit the task: regret (bandits), stay probabilities (two-step), accuracy."""
    from cognax.agents.evaluate import regret_curve
    from cognax.analysis import learning_curve, stay_probabilities

    out, written = Path(out), []
    name = environment.task.name
    if environment.is_bandit:
        plot_regret_curves({"agent": regret_curve(table)}, out / "regret.png", name)
        written.append(out / "regret.png")
    if {"common", "choice2"} <= set(table.columns):
        plot_stay_probabilities(stay_probabilities(table), out / "stay_probabilities.png", name)
        written.append(out / "stay_probabilities.png")
    if "correct_action" in table.columns or environment.is_bandit:
        plot_accuracy_by_trial(learning_curve(table), out / "accuracy.png", name)
        written.append(out / "accuracy.png")
    return written


__all__ = ["plot_regret_curves", "plot_stay_probabilities", "plot_accuracy_by_trial", "plot_evaluation"]
