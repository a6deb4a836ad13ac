"""Training: ``make_train(config) -> train(key)``, the whole run as one jitted function.

The shape is PureJaxRL's (Lu et al. 2022, "Discovered policy optimisation"), with a
typed, frozen config: one update runs ``n_envs`` environments in parallel (``vmap``)
for one roll-out segment (``lax.scan`` over decisions), scores it with the objective,
forms the update direction with the learning rule and applies the Optax optimiser; the
run is a ``lax.scan`` over updates. ``jax.vmap(train)(keys)`` trains several seeds at
once. The same key gives the same numbers.

:class:`Trainer` exposes the pieces (``init``, ``run`` for a number of updates) so that
the CLI can run in chunks with progress output and checkpoints; running the chunks one
after another gives exactly the uninterrupted run, because every update draws its
randomness from the training state's own key.

Example:
    >>> config = AgentConfig(task="bandit", n_updates=200)
    >>> state, metrics = jax.jit(make_train(config))(jax.random.key(0))   # doctest: +SKIP
    >>> metrics["regret_per_trial"][-10:].mean()                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

from cognax._pytree import pytree_dataclass
from cognax.agents import learning_rules
from cognax.agents.config import AgentConfig
from cognax.agents.networks import Agent, make_agent
from cognax.agents.objectives import OBJECTIVES, Segment
from cognax.agents.rollout import EnvCarry, Environment, unroll
from cognax.errors import CognaxError


@pytree_dataclass
class TrainState:
    """Everything a run needs to continue: parameters, optimiser, rule, environments, key."""

    params: Any
    opt_state: Any
    rule_state: Any
    envs: EnvCarry
    key: jax.Array
    update: jax.Array


def make_optimizer(config: AgentConfig) -> optax.GradientTransformation:
    """Global-norm clipping followed by Adam or RMSProp (Optax)."""
    learning_rate = config.learning_rate
    if config.learning_rate_schedule == "linear":
        learning_rate = optax.linear_schedule(config.learning_rate, 0.0, config.n_updates)
    if config.optimizer == "adam":
        base = optax.adam(learning_rate)
    else:
        # Decay and epsilon as in the A3C-family setups (Mnih et al. 2016).
        base = optax.rmsprop(learning_rate, decay=0.99, eps=1e-5)
    return optax.chain(optax.clip_by_global_norm(config.max_grad_norm), base)


class Trainer:
    """The pure pieces of a training run for one config (see the module docs)."""

    def __init__(self, config: AgentConfig, environment: Environment | None = None):
        # Agents train in float32 even where cognax's fitting switched JAX to float64.
        with jax.enable_x64(False):
            self._build(config, environment)

    def _build(self, config: AgentConfig, environment: Environment | None) -> None:
        self.config = config
        self.environment = environment if environment is not None else Environment(config)
        env = self.environment
        if config.objective == "supervised" and not env.has_correct_action:
            from cognax import tasks

            with_correct = [n for n in tasks.names() if "correct_action" in Environment(
                AgentConfig(task=n, objective="a2c"))._info_names()]
            raise CognaxError(
                f"objective 'supervised' needs a task that defines a correct action; task {env.task.name!r} "
                f"does not (tasks that do: {', '.join(with_correct)})"
            )
        if config.objective == "reinforce" and env.rollout_length != env.n_decisions:
            raise CognaxError(
                f"objective 'reinforce' scores whole episodes: rollout_length must be the episode length "
                f"({env.n_decisions}); got {env.rollout_length}"
            )
        self.rule = learning_rules.make(config.learning_rule)
        self.optimizer = make_optimizer(config)
        self.objective = OBJECTIVES[config.objective]
        template = self.new_agent(jax.random.key(0))
        _, self.static = eqx.partition(template, eqx.is_inexact_array)
        self.initial_core_state = template.initial_state()

    def new_agent(self, key: jax.Array) -> Agent:
        env, config = self.environment, self.config
        return make_agent(config.architecture, env.input_size, config.hidden_size, env.task.n_actions, key=key)

    def agent(self, params) -> Agent:
        """The agent with these trainable parameters."""
        return eqx.combine(params, self.static)

    # ------------------------------------------------------------------ the run
    def init(self, key: jax.Array) -> TrainState:
        with jax.enable_x64(False):
            return self._init(key)

    def _init(self, key: jax.Array) -> TrainState:
        agent_key, env_key, rule_key, key = jax.random.split(key, 4)
        params, _ = eqx.partition(self.new_agent(agent_key), eqx.is_inexact_array)
        envs = jax.vmap(self.environment.reset, in_axes=(0, None))(
            jax.random.split(env_key, self.config.n_envs), self.initial_core_state
        )
        return TrainState(
            params=params,
            opt_state=self.optimizer.init(params),
            rule_state=self.rule.init(rule_key, params),
            envs=envs,
            key=key,
            update=jnp.int32(0),
        )

    def entropy_coef(self, update: jax.Array) -> jax.Array:
        """The entropy weight at an update (constant, or decaying linearly to 0)."""
        if self.config.entropy_schedule == "constant":
            return jnp.float32(self.config.entropy_coef)
        return self.config.entropy_coef * (1.0 - update.astype(jnp.float32) / self.config.n_updates)

    def segment_loss(self, params, envs: EnvCarry, key: jax.Array, entropy_coef=None):
        """Roll one segment out with ``params`` and score it: ``(loss, (envs, metrics))``."""
        env, config = self.environment, self.config
        agent = self.agent(params)
        length = env.rollout_length
        keys = jax.random.split(key, (config.n_envs, length))
        final, steps = jax.vmap(unroll, in_axes=(None, None, 0, 0))(agent, env, envs, keys)
        steps = jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1), steps)  # -> [decision, env, ...]
        episode_end = (envs.decision[None, :] + jnp.arange(1, length + 1)[:, None]) >= env.n_decisions
        if length == env.n_decisions:
            last_value = jnp.zeros(config.n_envs)  # the segment is a whole episode: nothing to bootstrap
        else:
            _, last_value, _ = jax.vmap(lambda carry: agent(env.encode(carry), carry.core_state))(final)
            last_value = jax.lax.stop_gradient(last_value)
        segment = Segment(
            logits=steps.logits, values=steps.value, actions=steps.action, rewards=steps.reward,
            episode_end=episode_end, correct_action=steps.correct_action, last_value=last_value,
        )
        entropy_coef = config.entropy_coef if entropy_coef is None else entropy_coef
        loss, metrics = self.objective(segment, config, entropy_coef)
        trials_per_decision = 1.0 / env.task.decisions_per_trial
        metrics = dict(metrics, loss=loss, reward_per_trial=jnp.mean(steps.reward) / trials_per_decision)
        if env.is_bandit:
            metrics["regret_per_trial"] = jnp.mean(steps.regret)
        if env.has_correct_action:
            metrics["accuracy"] = jnp.mean(steps.action == steps.correct_action)
        return loss, (final, metrics)

    def update(self, state: TrainState) -> tuple[TrainState, dict]:
        """One parameter update."""
        key, reset_key, rollout_key, rule_key = jax.random.split(state.key, 4)
        envs = jax.vmap(self.environment.reset_finished, in_axes=(0, 0, None))(
            jax.random.split(reset_key, self.config.n_envs), state.envs, self.initial_core_state
        )
        direction, (envs, metrics), rule_state = self.rule.direction(
            lambda params: self.segment_loss(params, envs, rollout_key, self.entropy_coef(state.update)),
            state.params, state.rule_state, rule_key
        )
        updates, opt_state = self.optimizer.update(direction, state.opt_state, state.params)
        state = TrainState(
            params=optax.apply_updates(state.params, updates),
            opt_state=opt_state,
            rule_state=rule_state,
            envs=envs,
            key=key,
            update=state.update + 1,
        )
        return state, metrics

    def run(self, state: TrainState, n_updates: int) -> tuple[TrainState, dict]:
        """``n_updates`` updates (a ``lax.scan``); metrics have a leading update axis."""
        with jax.enable_x64(False):
            return jax.lax.scan(lambda s, _: self.update(s), state, None, length=n_updates)


def make_train(config: AgentConfig) -> Callable[[jax.Array], tuple[TrainState, dict]]:
    """``train(key) -> (final state, metrics per update)``: the whole run, ready for jit and vmap.

    Example:
        >>> train = jax.jit(jax.vmap(make_train(config)))          # doctest: +SKIP
        >>> states, metrics = train(jax.random.split(jax.random.key(0), 4))  # 4 seeds
    """
    trainer = Trainer(config)

    def train(key: jax.Array):
        return trainer.run(trainer.init(key), config.n_updates)

    return train


def train_seeds(config: AgentConfig, seeds: list[int] | tuple[int, ...]) -> tuple[Trainer, TrainState, dict]:
    """Train one agent per seed (vmapped, one compile, float32); returns stacked states and metrics."""
    trainer = Trainer(config)
    with jax.enable_x64(False):
        keys = jnp.stack([jax.random.key(seed) for seed in seeds])
        run = jax.jit(jax.vmap(lambda key: trainer.run(trainer.init(key), config.n_updates)))
        state, metrics = run(keys)
        state = jax.block_until_ready(state)
    return trainer, state, metrics


__all__ = ["TrainState", "Trainer", "make_train", "make_optimizer", "train_seeds"]
