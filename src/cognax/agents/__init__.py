"""Agents: recurrent networks trained on the tasks, then studied like animals.

A training run is specified by its **architecture** (vanilla RNN, GRU, LSTM), **learning
rule** (backpropagation through time; see :mod:`cognax.agents.learning_rules`),
**objective** (A2C, REINFORCE, supervised) and **task** (any registered task, its
parameters redrawn every episode: meta-RL) — Richards et al. (2019), Nat Neurosci
22:1761 — composed by the frozen :class:`AgentConfig`.

Example:
    >>> from cognax.agents import AgentConfig, train_agents, evaluate
    >>> config = AgentConfig(task="bandit", architecture="lstm", hidden_size=48)
    >>> run = train_agents(config.with_episodes(20_000, 100), seeds=[0])     # doctest: +SKIP
    >>> result = evaluate(run.trainer, run.state.params, run.seeds, jax.random.key(1), 300)  # doctest: +SKIP
    >>> result.metrics["regret_at_end"]                                   # doctest: +SKIP
"""

from __future__ import annotations

from cognax.agents.config import ARCHITECTURES, OBJECTIVES, OPTIMIZERS, AgentConfig
from cognax.agents.evaluate import Evaluation, evaluate, regret_curve, regret_from_table, save_evaluation
from cognax.agents.learning_rules import LearningRule
from cognax.agents.learning_rules import registry as learning_rules
from cognax.agents.networks import Agent, make_agent
from cognax.agents.rollout import Environment
from cognax.agents.runs import TrainedAgents, load_trained, train_agents
from cognax.agents.train import Trainer, TrainState, make_train

__all__ = [
    "AgentConfig", "ARCHITECTURES", "OBJECTIVES", "OPTIMIZERS", "Agent", "make_agent", "Environment",
    "LearningRule", "learning_rules", "Trainer", "TrainState", "make_train", "TrainedAgents", "train_agents",
    "load_trained", "Evaluation", "evaluate", "regret_curve", "regret_from_table", "save_evaluation",
]
