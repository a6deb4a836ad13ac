"""Node perturbation inside a recurrent agent: noise in every unit at every step, credited by reward.

The agents' learning-rule interface hands a rule the roll-out as one opaque function of the
parameters, which hides what node perturbation needs: each unit's noise and each synapse's
input at every step. So, like feedback alignment (:mod:`cognax.circuits.agent_feedback_alignment`),
it lives in the architecture and the trainer instead of on the rule axis.
:class:`NodePerturbationAgent` computes what the agents' vanilla-RNN agent computes
(``h' = tanh(W x + U h + b)``, a linear policy head and a linear value head). Given the plain
core state ``(h,)`` it is that agent; given a *perturbed* state (see :func:`perturbed_state`)
it adds Gaussian noise ``xi_t ~ N(0, sigma^2)`` to every unit's pre-activation (hidden units,
action logits, value) and accumulates each synapse's eligibility, the product of its unit's
noise and its own input: ``e_W = sum_t xi_t x_t^T``, ``e_U = sum_t xi_t h_{t-1}^T``,
``e_b = sum_t xi_t`` and likewise for the heads with input ``h_t``. The eligibility travels
in the core state, so the roll-out itself (:func:`cognax.agents.rollout.unroll`) is the agents'.

:class:`NodePerturbationTrainer` (built by :func:`make_trainer`) is the agents' trainer whose
update runs a clean and a perturbed roll-out of the same segment with the same random keys
(common random numbers: actions and outcomes differ only where the noise changes them), scores
each environment ``e`` by ``S_e``, minus its reward per trial minus the objective's entropy bonus
(``entropy_coef`` times the mean policy entropy; the policy-gradient part of the A2C and REINFORCE
losses is a surrogate whose value means nothing under perturbation, see
:mod:`cognax.circuits.agent_rules`), and forms the gradient estimate

    ``d_W = mean_e (S_e(perturbed) - S_e(clean)) e_W,e / sigma^2``

(Williams 1992; Fiete & Seung 2006), which the run's Optax optimiser then applies, as for every
other rule. The value unit does not affect reward, so it is credited with the change in its own
value loss instead (when the objective has one; otherwise the value head stays where it is).
Each environment carries its own noise in each of ``n_samples`` perturbed roll-outs, so an update
averages ``n_samples x n_envs`` samples. The noise affects only the current segment's reward: credit is assigned within a segment,
as truncated BPTT does.

References: Williams RJ (1992). Simple statistical gradient-following algorithms for connectionist
reinforcement learning. Mach Learn 8:229. Werfel J, Xie X, Seung HS (2005). Learning curves for
stochastic gradient descent in linear feedforward networks. Neural Comput 17:2699. Fiete IR, Seung
HS (2006). Gradient learning in spiking neural networks by dynamic perturbation of conductances.
Phys Rev Lett 97:048104.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from cognax.errors import CognaxError

#: the trainable arrays, in the order the eligibility tuple holds them.
FIELDS = ("input_weight", "recurrent_weight", "bias", "policy_weight", "policy_bias", "value_weight", "value_bias")
_VALUE_FIELDS = ("value_weight", "value_bias")
#: objectives that train the value head with a value loss (the value unit's own score).
_WITH_VALUE_LOSS = ("a2c", "reinforce")


class NodePerturbationAgent(eqx.Module):
    """The agents' ``Agent`` interface (``(x, state) -> (logits, value, state)``), perturbable unit by unit.

    State ``(h,)``: the clean vanilla-RNN agent. State ``(h, eligibility, noise, step)`` (from
    :func:`perturbed_state`): unit noise ``noise[step]`` is added to the pre-activations and the
    eligibilities (a tuple in :data:`FIELDS` order) accumulate ``noise x input``.
    """

    input_weight: jax.Array
    recurrent_weight: jax.Array
    bias: jax.Array
    policy_weight: jax.Array
    policy_bias: jax.Array
    value_weight: jax.Array
    value_bias: jax.Array
    hidden_size: int = eqx.field(static=True)

    def __init__(self, input_size: int, hidden_size: int, n_actions: int, *, key):
        input_key, recurrent_key, policy_key, value_key = jax.random.split(key, 4)
        bound = 1.0 / jnp.sqrt(input_size)
        self.input_weight = jax.random.uniform(input_key, (hidden_size, input_size), minval=-bound, maxval=bound)
        # orthogonal recurrent weights, as the agents' vanilla RNN
        self.recurrent_weight = jax.nn.initializers.orthogonal()(recurrent_key, (hidden_size, hidden_size))
        self.bias = jnp.zeros(hidden_size)
        scale = 1.0 / jnp.sqrt(hidden_size)
        # small policy weights: a near-uniform starting policy, as the agents' own heads
        self.policy_weight = 0.01 * scale * jax.random.normal(policy_key, (n_actions, hidden_size))
        self.policy_bias = jnp.zeros(n_actions)
        self.value_weight = scale * jax.random.normal(value_key, (1, hidden_size))
        self.value_bias = jnp.zeros(1)
        self.hidden_size = hidden_size

    @property
    def n_units(self) -> int:
        """Units that receive noise: hidden, action logits and value."""
        return self.hidden_size + self.policy_bias.shape[0] + 1

    def initial_state(self):
        return (jnp.zeros(self.hidden_size),)

    def __call__(self, x, state):
        if len(state) == 1:
            h = jnp.tanh(self.input_weight @ x + self.recurrent_weight @ state[0] + self.bias)
            return self.policy_weight @ h + self.policy_bias, (self.value_weight @ h)[0] + self.value_bias[0], (h,)
        previous, eligibility, noise, step = state
        unit_noise = noise[step]
        n_actions = self.policy_bias.shape[0]
        hidden_noise = unit_noise[: self.hidden_size]
        policy_noise = unit_noise[self.hidden_size: self.hidden_size + n_actions]
        value_noise = unit_noise[self.hidden_size + n_actions:]
        h = jnp.tanh(self.input_weight @ x + self.recurrent_weight @ previous + self.bias + hidden_noise)
        logits = self.policy_weight @ h + self.policy_bias + policy_noise
        value = (self.value_weight @ h + self.value_bias + value_noise)[0]
        increments = (jnp.outer(hidden_noise, x), jnp.outer(hidden_noise, previous), hidden_noise,
                      jnp.outer(policy_noise, h), policy_noise, jnp.outer(value_noise, h), value_noise)
        eligibility = tuple(e + d for e, d in zip(eligibility, increments))
        return logits, value, (h, eligibility, noise, step + 1)


def perturbed_state(agent: NodePerturbationAgent, core_state: tuple, noise: jax.Array) -> tuple:
    """A core state that makes ``agent`` perturb its units with ``noise`` ``[step, unit]`` from step 0."""
    eligibility = tuple(jnp.zeros_like(getattr(agent, name)) for name in FIELDS)
    return (core_state[0], eligibility, noise, jnp.int32(0))


def node_perturbation_direction(params, eligibility: tuple, score_change: jax.Array, value_score_change: jax.Array,
                                sigma: float):
    """``mean_e change_e * eligibility_e / sigma^2`` for every array (leading axis of both: environment).

    ``score_change`` credits the hidden units and the policy head; ``value_score_change`` the value head.
    """
    estimates = []
    for name, trace in zip(FIELDS, eligibility):
        change = value_score_change if name in _VALUE_FIELDS else score_change
        change = change.reshape(change.shape + (1,) * (trace.ndim - 1))
        estimates.append(jnp.mean(change * trace, axis=0) / sigma**2)
    return eqx.tree_at(lambda p: tuple(getattr(p, name) for name in FIELDS), params, tuple(estimates))


def make_trainer(config, sigma: float = 0.2, n_samples: int = 16):
    """The agents' Trainer for ``config`` with :class:`NodePerturbationAgent`, updated by node perturbation.

    Needs ``architecture="rnn"`` and ``learning_rule="bptt"`` (the default; this trainer replaces the
    rule, so no other rule may be asked for). ``sigma``: the noise's standard deviation; ``n_samples``:
    perturbed roll-outs per environment and update (evaluated in parallel with ``vmap``).
    """
    from cognax.agents.train import Trainer

    if config.architecture != "rnn" or config.learning_rule != "bptt":
        raise CognaxError(
            "node perturbation in agents perturbs the vanilla RNN's units and replaces the learning rule: it needs "
            f"architecture 'rnn' and learning_rule 'bptt' (the default); got {config.architecture!r}, {config.learning_rule!r}"
        )
    if not (isinstance(sigma, (int, float)) and sigma > 0 and jnp.isfinite(sigma)):
        raise CognaxError(f"node perturbation: sigma must be a finite number > 0; got {sigma!r}")
    if not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 1:
        raise CognaxError(f"node perturbation: n_samples must be a positive integer; got {n_samples!r}")

    class NodePerturbationTrainer(Trainer):
        noise_sigma = float(sigma)
        noise_samples = n_samples

        def new_agent(self, key):
            return NodePerturbationAgent(self.environment.input_size, self.config.hidden_size,
                                         self.environment.task.n_actions, key=key)

        def environment_scores(self, params, envs, key, noise, entropy_coef):
            """Per environment: ``(score, value loss or 0, eligibility)`` of one roll-out (see the module docs)."""
            return _environment_scores(self, params, envs, key, noise, entropy_coef)

        def update(self, state):
            return _update(self, state)

    return NodePerturbationTrainer(config)


def _environment_scores(trainer, params, envs, key, noise, entropy_coef):
    from cognax.agents.rollout import unroll

    env, config = trainer.environment, trainer.config
    agent = trainer.agent(params)
    length = env.rollout_length
    keys = jax.random.split(key, (config.n_envs, length))
    start = envs.replace(core_state=jax.vmap(lambda core, n: perturbed_state(agent, core, n))(envs.core_state, noise))
    final, steps = jax.vmap(unroll, in_axes=(None, None, 0, 0))(agent, env, start, keys)
    reward_per_trial = jnp.mean(steps.reward, axis=1) * env.task.decisions_per_trial
    # the entropy bonus is part of the objective and, unlike the policy-gradient surrogate, its value means
    # what it says: without it the policy collapses onto one arm, as it would under A2C without the bonus
    log_probs = jax.nn.log_softmax(steps.logits)
    entropy = -jnp.mean(jnp.sum(jnp.exp(log_probs) * log_probs, axis=-1), axis=1)
    score = -reward_per_trial - entropy_coef * entropy
    eligibility = final.core_state[1]
    if config.objective not in _WITH_VALUE_LOSS:
        return score, jnp.zeros_like(score), eligibility
    if length == env.n_decisions:
        last_value = jnp.zeros(config.n_envs)
    else:
        # the value bootstrapped at the segment's end, without noise (the clean network on the reached state)
        _, last_value, _ = jax.vmap(lambda carry: agent(env.encode(carry), (carry.core_state[0],)))(final)

    def value_loss(e):
        segment = _one_env_segment(steps, envs, env, e, last_value)
        return trainer.objective(segment, config, entropy_coef)[1]["value_loss"]

    return score, jax.vmap(value_loss)(jnp.arange(config.n_envs)), eligibility


def _one_env_segment(steps, envs, env, e, last_value=None):
    """Environment ``e``'s segment with a unit environment axis (``[decision, 1]``), as the objectives expect."""
    from cognax.agents.objectives import Segment

    length = env.rollout_length
    pick = lambda x: jnp.swapaxes(x[e][None], 0, 1)  # noqa: E731  [env, decision, ...] -> [decision, 1, ...]
    decision = envs.decision[e]
    episode_end = (decision + jnp.arange(1, length + 1)) >= env.n_decisions
    last = jnp.zeros(1) if last_value is None else last_value[e][None]
    return Segment(logits=pick(steps.logits), values=pick(steps.value), actions=pick(steps.action),
                   rewards=pick(steps.reward), episode_end=episode_end[:, None], correct_action=pick(steps.correct_action),
                   last_value=last)


def _update(trainer, state):
    import optax

    from cognax.agents.train import TrainState

    config, env = trainer.config, trainer.environment
    # the same key split as the agents' update: the rule's key draws the noise
    key, reset_key, rollout_key, noise_key = jax.random.split(state.key, 4)
    envs = jax.vmap(env.reset_finished, in_axes=(0, 0, None))(
        jax.random.split(reset_key, config.n_envs), state.envs, trainer.initial_core_state
    )
    entropy_coef = trainer.entropy_coef(state.update)
    # the clean roll-out carries the run on and reports the metrics, exactly as for every other rule
    _, (final, metrics) = trainer.segment_loss(state.params, envs, rollout_key, entropy_coef)
    agent = trainer.agent(state.params)
    shape = (trainer.noise_samples, config.n_envs, env.rollout_length, agent.n_units)
    noise = trainer.noise_sigma * jax.random.normal(noise_key, shape)
    clean_score, clean_value, _ = trainer.environment_scores(state.params, envs, rollout_key, jnp.zeros_like(noise[0]),
                                                             entropy_coef)
    score, value, eligibility = jax.vmap(
        lambda n: trainer.environment_scores(state.params, envs, rollout_key, n, entropy_coef))(noise)
    # every (sample, environment) pair is one sample of the estimate
    merge = lambda x: x.reshape((-1,) + x.shape[2:])  # noqa: E731
    direction = node_perturbation_direction(state.params, jax.tree.map(merge, eligibility), merge(score - clean_score),
                                            merge(value - clean_value), trainer.noise_sigma)
    updates, opt_state = trainer.optimizer.update(direction, state.opt_state, state.params)
    new_state = TrainState(params=optax.apply_updates(state.params, updates), opt_state=opt_state,
                           rule_state=state.rule_state, envs=final, key=key, update=state.update + 1)
    return new_state, metrics


def train(trainer, seeds) -> tuple:
    """Train one agent per seed with ``trainer`` (vmapped, float32): ``(states, metrics)``."""
    with jax.enable_x64(False):
        keys = jnp.stack([jax.random.key(seed) for seed in seeds])
        run = jax.jit(jax.vmap(lambda key: trainer.run(trainer.init(key), trainer.config.n_updates)))
        return jax.block_until_ready(run(keys))


__all__ = ["NodePerturbationAgent", "FIELDS", "perturbed_state", "node_perturbation_direction", "make_trainer", "train"]
