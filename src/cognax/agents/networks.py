"""Recurrent agents (Equinox): a vanilla RNN, GRU or LSTM core with policy and value heads.

The meta-RL input (Wang et al. 2016) joins the task observation with the one-hot
previous action, the previous reward and, optionally, the trial index; the core's state
is reset at every episode start (by the roll-out, see :mod:`cognax.agents.rollout`), so
whatever the agent learns *within* an episode lives in its activity, not its weights.

Every core maps ``(input, state) -> (output, state)`` where ``state`` is a tuple of
``[hidden]`` arrays (``(h,)`` for the RNN and GRU, ``(h, c)`` for the LSTM); ``h`` is
what the heads read and what evaluation records.

Reference: Wang JX, Kurth-Nelson Z, Tirumala D, et al. (2016). Learning to reinforcement
learn. arXiv:1611.05763.

Example:
    >>> agent = make_agent("lstm", input_size=5, hidden_size=48, n_actions=2, key=jax.random.key(0))
    >>> logits, value, state = agent(jnp.zeros(5), agent.initial_state())
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from cognax.errors import unknown_name

CoreState = tuple[Float[Array, "hidden"], ...]


class VanillaRNN(eqx.Module):
    """``h' = tanh(W x + U h + b)`` (Elman 1990)."""

    input_weights: eqx.nn.Linear
    recurrent_weights: eqx.nn.Linear
    hidden_size: int = eqx.field(static=True)

    def __init__(self, input_size: int, hidden_size: int, *, key):
        input_key, recurrent_key = jax.random.split(key)
        self.input_weights = eqx.nn.Linear(input_size, hidden_size, key=input_key)
        # Orthogonal recurrent weights keep early gradients from vanishing or exploding.
        orthogonal = jax.nn.initializers.orthogonal()(recurrent_key, (hidden_size, hidden_size))
        linear = eqx.nn.Linear(hidden_size, hidden_size, use_bias=False, key=recurrent_key)
        self.recurrent_weights = eqx.tree_at(lambda layer: layer.weight, linear, orthogonal)
        self.hidden_size = hidden_size

    def initial_state(self) -> CoreState:
        return (jnp.zeros(self.hidden_size),)

    def __call__(self, x, state: CoreState):
        h = jnp.tanh(self.input_weights(x) + self.recurrent_weights(state[0]))
        return h, (h,)


class GRU(eqx.Module):
    """Gated recurrent unit (Cho et al. 2014)."""

    cell: eqx.nn.GRUCell
    hidden_size: int = eqx.field(static=True)

    def __init__(self, input_size: int, hidden_size: int, *, key):
        self.cell = eqx.nn.GRUCell(input_size, hidden_size, key=key)
        self.hidden_size = hidden_size

    def initial_state(self) -> CoreState:
        return (jnp.zeros(self.hidden_size),)

    def __call__(self, x, state: CoreState):
        h = self.cell(x, state[0])
        return h, (h,)


class LSTM(eqx.Module):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), as in Wang et al. (2016)."""

    cell: eqx.nn.LSTMCell
    hidden_size: int = eqx.field(static=True)

    def __init__(self, input_size: int, hidden_size: int, *, key):
        self.cell = eqx.nn.LSTMCell(input_size, hidden_size, key=key)
        self.hidden_size = hidden_size

    def initial_state(self) -> CoreState:
        return (jnp.zeros(self.hidden_size), jnp.zeros(self.hidden_size))

    def __call__(self, x, state: CoreState):
        h, c = self.cell(x, state)
        return h, (h, c)


CORES = {"rnn": VanillaRNN, "gru": GRU, "lstm": LSTM}


class Agent(eqx.Module):
    """A recurrent core with a linear policy head (action logits) and a linear value head."""

    core: eqx.Module
    policy_head: eqx.nn.Linear
    value_head: eqx.nn.Linear

    def __init__(self, core: eqx.Module, n_actions: int, *, key):
        policy_key, value_key = jax.random.split(key)
        self.core = core
        policy = eqx.nn.Linear(core.hidden_size, n_actions, key=policy_key)
        # Small policy weights: training starts from a near-uniform policy (Andrychowicz
        # et al. 2021, "What matters in on-policy RL"), which keeps early exploration broad.
        self.policy_head = eqx.tree_at(lambda layer: layer.weight, policy, policy.weight * 0.01)
        self.value_head = eqx.nn.Linear(core.hidden_size, 1, key=value_key)

    def initial_state(self) -> CoreState:
        return self.core.initial_state()

    def __call__(self, x, state: CoreState):
        """One decision: ``(logits [action], value [], new state)``."""
        h, state = self.core(x, state)
        return self.policy_head(h), self.value_head(h)[0], state


def make_agent(architecture: str, input_size: int, hidden_size: int, n_actions: int, *, key) -> Agent:
    """Build an agent with a ``"rnn"``, ``"gru"`` or ``"lstm"`` core."""
    if architecture not in CORES:
        raise unknown_name("architecture", architecture, CORES)
    core_key, head_key = jax.random.split(key)
    return Agent(CORES[architecture](input_size, hidden_size, key=core_key), n_actions, key=head_key)


__all__ = ["Agent", "VanillaRNN", "GRU", "LSTM", "CORES", "make_agent"]
