"""Feedback alignment inside a recurrent agent: random feedback in place of ``W^T`` through time.

The agents' learning-rule interface sees the roll-out only as an opaque loss of the
parameters, so feedback alignment cannot be a rule there: it changes the backward pathway
itself. It lives in the architecture instead. :class:`FeedbackAlignmentAgent` computes
exactly what the agents' vanilla-RNN agent computes (``h' = tanh(W x + U h + b)``, a linear
policy head and a linear value head), but its backward pass sends errors to ``h`` through
fixed random matrices: ``B_policy`` and ``B_value`` in place of the heads' transposes, and
``B_recurrent`` in place of ``U^T`` from one step to the one before (feedback alignment
through time; Lillicrap et al. 2016; Murray 2019, eLife 8:e43299 discusses the recurrent
case). Every weight still changes by the local product of its error and its input, so
backpropagation through time on this agent *is* feedback alignment.

:class:`FeedbackAlignmentTrainer` is the agents' :class:`~cognax.agents.train.Trainer` with
this agent; everything else (environments, objective, optimiser, evaluation) is theirs.
The feedback matrices are fields of the agent, so checkpoints and ``vmap`` over seeds carry
them; their gradient is zero, so the optimiser never moves them.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from cognax.errors import CognaxError


@jax.custom_vjp
def feedback_matvec(weight, feedback, inputs):
    """``weight @ inputs``; the gradient to ``inputs`` goes through ``feedback.T`` instead of ``weight.T``."""
    return weight @ inputs


def _feedback_matvec_forward(weight, feedback, inputs):
    return weight @ inputs, (feedback, inputs)


def _feedback_matvec_backward(residuals, grad_output):
    feedback, inputs = residuals
    return jnp.outer(grad_output, inputs), jnp.zeros_like(feedback), feedback.T @ grad_output


feedback_matvec.defvjp(_feedback_matvec_forward, _feedback_matvec_backward)


class FeedbackAlignmentRNN(eqx.Module):
    """``h' = tanh(W x + U h + b)`` with ``B_recurrent`` carrying errors back through time."""

    input_weight: jax.Array
    recurrent_weight: jax.Array
    bias: jax.Array
    recurrent_feedback: jax.Array
    hidden_size: int = eqx.field(static=True)

    def __init__(self, input_size: int, hidden_size: int, *, key):
        input_key, recurrent_key, feedback_key = jax.random.split(key, 3)
        bound = 1.0 / jnp.sqrt(input_size)
        self.input_weight = jax.random.uniform(input_key, (hidden_size, input_size), minval=-bound, maxval=bound)
        # orthogonal recurrent weights, as the agents' vanilla RNN; feedback drawn the same way, independently
        self.recurrent_weight = jax.nn.initializers.orthogonal()(recurrent_key, (hidden_size, hidden_size))
        self.recurrent_feedback = jax.nn.initializers.orthogonal()(feedback_key, (hidden_size, hidden_size))
        self.bias = jnp.zeros(hidden_size)
        self.hidden_size = hidden_size

    def initial_state(self):
        return (jnp.zeros(self.hidden_size),)

    def __call__(self, x, state):
        h = jnp.tanh(self.input_weight @ x + feedback_matvec(self.recurrent_weight, self.recurrent_feedback, state[0]) + self.bias)
        return h, (h,)


class FeedbackAlignmentAgent(eqx.Module):
    """The agents' ``Agent`` interface (``(x, state) -> (logits, value, state)``) with random feedback."""

    core: FeedbackAlignmentRNN
    policy_weight: jax.Array
    policy_bias: jax.Array
    policy_feedback: jax.Array
    value_weight: jax.Array
    value_bias: jax.Array
    value_feedback: jax.Array

    def __init__(self, input_size: int, hidden_size: int, n_actions: int, *, key):
        keys = jax.random.split(key, 5)
        self.core = FeedbackAlignmentRNN(input_size, hidden_size, key=keys[0])
        scale = 1.0 / jnp.sqrt(hidden_size)
        # small policy weights: a near-uniform starting policy, as the agents' own heads
        self.policy_weight = 0.01 * scale * jax.random.normal(keys[1], (n_actions, hidden_size))
        self.policy_bias = jnp.zeros(n_actions)
        self.policy_feedback = scale * jax.random.normal(keys[2], (n_actions, hidden_size))
        self.value_weight = scale * jax.random.normal(keys[3], (1, hidden_size))
        self.value_bias = jnp.zeros(1)
        self.value_feedback = scale * jax.random.normal(keys[4], (1, hidden_size))

    def initial_state(self):
        return self.core.initial_state()

    def __call__(self, x, state):
        h, state = self.core(x, state)
        logits = feedback_matvec(self.policy_weight, self.policy_feedback, h) + self.policy_bias
        value = feedback_matvec(self.value_weight, self.value_feedback, h)[0] + self.value_bias[0]
        return logits, value, state


def make_trainer(config):
    """The agents' Trainer for ``config`` with :class:`FeedbackAlignmentAgent` (needs ``architecture="rnn"``,
    ``learning_rule="bptt"``: backprop through this agent is feedback alignment)."""
    from cognax.agents.train import Trainer

    if config.architecture != "rnn" or config.learning_rule != "bptt":
        raise CognaxError(
            "feedback alignment in agents replaces the vanilla RNN's backward pathway: it needs architecture 'rnn' and "
            f"learning_rule 'bptt'; got {config.architecture!r}, {config.learning_rule!r}"
        )

    class FeedbackAlignmentTrainer(Trainer):
        def new_agent(self, key):
            return FeedbackAlignmentAgent(self.environment.input_size, self.config.hidden_size, self.environment.task.n_actions, key=key)

    return FeedbackAlignmentTrainer(config)


def train(trainer, seeds) -> tuple:
    """Train one agent per seed with ``trainer`` (vmapped, float32): ``(states, metrics)``."""
    with jax.enable_x64(False):
        keys = jnp.stack([jax.random.key(seed) for seed in seeds])
        run = jax.jit(jax.vmap(lambda key: trainer.run(trainer.init(key), trainer.config.n_updates)))
        return jax.block_until_ready(run(keys))
