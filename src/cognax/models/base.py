"""The cognitive-model interface.

A model is a parameter spec plus three pure functions over an explicit latent state:

* ``init_latent(params, n_actions)`` - the latent state at the start of a session;
* ``log_policy(params, latent, obs)`` - log-probabilities of the actions;
* ``update(params, latent, obs, action, reward)`` - the latent state after feedback.

The same three functions drive :func:`cognax.simulate.simulate` (sample an action, step
the task, update) and :func:`log_likelihood` (score the recorded action, update), each a
``lax.scan`` over the decisions of a session (DESIGN.md, "one model, two uses").
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from cognax.errors import CognaxError, unknown_name
from cognax.models.parameters import Parameter
from cognax.tasks.base import Obs, Reference

if TYPE_CHECKING:
    import pandas as pd

Params = dict[str, Float[Array, "..."]]


class Model(abc.ABC):
    """Base class of cognitive models.

    Subclasses set ``name``, ``description``, ``reference``, ``tasks`` (compatible task
    ids, or ``None`` for every task) and ``parameters``, and implement the three
    functions.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    reference: ClassVar[Reference]
    tasks: ClassVar[tuple[str, ...] | None] = None
    parameters: tuple[Parameter, ...] = ()
    #: integer-valued parameters fitted by profiling (every value tried, the best kept),
    #: e.g. ``{"capacity": (2, 3, 4, 5)}``; they reach the model functions in ``params``.
    discrete_parameters: ClassVar[dict[str, tuple[int, ...]]] = {}

    @abc.abstractmethod
    def init_latent(self, params: Params, n_actions: int) -> Any:
        """Latent state at the start of a session."""

    #: True when :meth:`log_policy` returns normalised log-probabilities, so the
    #: likelihood skips renormalising them (a model mixing several policies already
    #: sums to one, and every exp and log per trial counts in a fit).
    normalized_policy: ClassVar[bool] = False
    #: The observation (e.g. ``"cue"``) whose values split the trials into streams that
    #: share no latent state: a trial reads and updates only the state of its own value,
    #: which starts the same for every value. Hierarchical fits then run the streams side
    #: by side as shorter sequences (:mod:`cognax.models.streams`). ``None``: no such split.
    independent_streams: ClassVar[str | None] = None

    @abc.abstractmethod
    def log_policy(self, params: Params, latent: Any, obs: Obs) -> Float[Array, "action"]:
        """Log-probabilities (up to a constant) of each action given the latent state."""

    @abc.abstractmethod
    def update(self, params: Params, latent: Any, obs: Obs, action, reward) -> Any:
        """Latent state after ``action`` was taken on ``obs`` and ``reward`` followed."""

    def chosen_log_probability(self, params: Params, latent: Any, obs: Obs, action) -> Float[Array, ""]:
        """Normalised log-probability of ``action`` alone: what likelihoods need.

        The default normalises :meth:`log_policy` and picks ``action`` (with two actions,
        one log-sigmoid of the signed logit difference); a model may give a cheaper form
        (it must agree: the likelihood tests compare both).
        """
        log_policy = self.log_policy(params, latent, obs)
        if not self.normalized_policy and log_policy.shape == (2,):
            difference = log_policy[1] - log_policy[0]
            return jax.nn.log_sigmoid(jnp.where(action == 1, difference, -difference))
        return _normalized(self, log_policy)[action]

    # ------------------------------------------------------------------ latent quantities
    #: names of the model-specific quantities :meth:`decision_latents` returns.
    latent_names: ClassVar[tuple[str, ...]] = ()

    def decision_latents(self, params: Params, latent: Any, obs: Obs, action, reward) -> dict[str, Array]:
        """Named internal quantities at one decision (values, prediction errors, ...).

        Read from the latent state *before* the update that ``action`` and ``reward``
        cause, so a prediction error here is the one that update applies. Returns one
        scalar per name of :attr:`latent_names`, at every decision (the same keys at
        each, so that ``lax.scan`` can stack them); on tasks with several decisions per
        trial the trial's row takes the last decision's values, so families of such
        tasks compute every quantity there.
        """
        return {}

    def latents(self, params: Params, batch) -> "pd.DataFrame":
        """Per-trial latent quantities joined to the trial table (see :func:`latents`)."""
        return latents(self, params, batch)

    # ------------------------------------------------------------------ parameters
    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def n_params(self) -> int:
        return len(self.parameters)

    def default_params(self) -> dict[str, float]:
        defaults = {p.name: p.default for p in self.parameters}
        defaults.update({name: float(values[len(values) // 2]) for name, values in self.discrete_parameters.items()})
        return defaults

    def check_params(self, values: Mapping[str, float], fill_defaults: bool = True) -> dict[str, float]:
        """Validate user-given parameter values; unknown names and out-of-bounds values raise."""
        spec = {p.name: p for p in self.parameters}
        checked = self.default_params() if fill_defaults else {}
        for name, value in values.items():
            if name in self.discrete_parameters:
                allowed = self.discrete_parameters[name]
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    number = None
                if number is None or number not in allowed:
                    raise CognaxError(
                        f"parameter {name!r} must be one of {', '.join(map(str, allowed))}; got {value!r}"
                    )
                checked[name] = number
                continue
            if name not in spec:
                valid = set(spec) | set(self.discrete_parameters)
                raise unknown_name(f"parameter of model {self.name!r}", name, valid) if valid else CognaxError(
                    f"model {self.name!r} has no parameters; got {name!r}"
                )
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise CognaxError(f"parameter {name!r} must be a number; got {value!r}") from None
            p = spec[name]
            if not (np.isfinite(number) or (np.isinf(number) and np.isinf(p.high) and number > 0)) or not (
                p.low <= number <= p.high
            ):
                raise CognaxError(f"parameter {name!r} must lie in {p.bounds_text()}; got {value!r}")
            checked[name] = number
        return checked

    def check_task(self, task_name: str) -> None:
        if self.tasks is not None and task_name not in self.tasks:
            raise CognaxError(
                f"model {self.name!r} does not apply to task {task_name!r}; it applies to: {', '.join(self.tasks)}"
            )

    def constrain(self, unconstrained: Float[Array, "... param"]) -> Params:
        """Vector in the unconstrained space -> parameter dict on the natural scale."""
        return {p.name: p.constrain(unconstrained[..., i]) for i, p in enumerate(self.parameters)}

    def unconstrain(self, params: Mapping[str, Any]) -> Float[Array, "... param"]:
        if not self.parameters:
            return jnp.zeros((0,))
        return jnp.stack([p.unconstrain(params[p.name]) for p in self.parameters], axis=-1)

    def log_prior(self, params: Params) -> Float[Array, "..."]:
        total = 0.0
        for p in self.parameters:
            total = total + p.log_prior(params[p.name])
        return total

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self.parameter_names)})"

    # Equal settings -> equal models, so that jitted functions taking a model as a
    # static argument are compiled once, not once per ``models.make`` call.
    def _identity(self):
        return (type(self), tuple(sorted((k, repr(v)) for k, v in vars(self).items())))

    def __eq__(self, other) -> bool:
        return isinstance(other, Model) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


def _where_tree(condition, new, old):
    return jax.tree.map(lambda a, b: jnp.where(condition, a, b), new, old)


def _log_probabilities(model: Model, params: Params, latent, obs) -> Float[Array, "action"]:
    return _normalized(model, model.log_policy(params, latent, obs))


def _normalized(model: Model, log_policy) -> Float[Array, "action"]:
    """Normalised log-probabilities from a model's :meth:`~Model.log_policy` output."""
    if model.normalized_policy:
        return log_policy
    if log_policy.shape == (2,):
        # Two actions: log P(1) = log sigmoid(d), log P(0) = log P(1) - d, with d = l1 - l0;
        # one exp and one log per decision, against two exps and a log for log_softmax.
        difference = log_policy[1] - log_policy[0]
        log_p1 = jax.nn.log_sigmoid(difference)
        return jnp.stack([log_p1 - difference, log_p1])
    return jax.nn.log_softmax(log_policy)


def session_log_likelihood(
    model: Model, params: Params, obs: Obs, actions, rewards, mask, n_actions: int, score_mask=None
) -> Float[Array, "decision"]:
    """Log-probability of each recorded decision of one session (0 where not scored).

    Decisions outside ``mask`` neither score nor update: the next kept decision sees
    the latent state left by the previous kept one. ``score_mask`` (default: ``mask``)
    selects the decisions that score among the kept ones; cross-validation uses it to
    score held-out trials while the model still learns from every trial.
    """
    score_mask = mask if score_mask is None else score_mask & mask
    rewards = jnp.where(mask, rewards, 0.0)  # a NaN on a skipped row must not reach the gradients

    def body(latent, inputs):
        o, action, reward, keep, score = inputs
        action = jnp.clip(action, 0, n_actions - 1)
        log_prob = model.chosen_log_probability(params, latent, o, action)
        new_latent = model.update(params, latent, o, action, reward)
        return _where_tree(keep, new_latent, latent), jnp.where(score, log_prob, 0.0)

    _, log_probs = jax.lax.scan(
        body, model.init_latent(params, n_actions), (obs, actions, rewards, mask, score_mask)
    )
    return log_probs


def trial_log_likelihood(model: Model, params: Params, batch, score_mask=None) -> Float[Array, "subject trial"]:
    """Per-trial log-likelihood for every subject of a :class:`~cognax.data.TrialBatch`.

    ``params`` maps each parameter name to a ``[subject]`` array (or a scalar shared by
    all subjects). Rows that are padding or marked ``valid = False`` contribute 0, and
    so do rows outside ``score_mask`` (``[subject, trial]``) when it is given.
    """
    from cognax import tasks

    task = tasks.make(batch.task)
    obs, actions, rewards = task.decisions(batch.columns)
    mask = task.trial_mask_to_decisions(batch.fit_mask)
    score = mask if score_mask is None else mask & task.trial_mask_to_decisions(jnp.asarray(score_mask))
    params = {k: jnp.broadcast_to(jnp.asarray(v, dtype=float), (batch.n_subjects,)) for k, v in params.items()}
    per_decision = jax.vmap(session_log_likelihood, in_axes=(None, 0, 0, 0, 0, 0, None, 0))(
        model, params, obs, actions, rewards.astype(float), mask, batch.n_actions, score
    )
    return per_decision.reshape(batch.n_subjects, batch.n_trials, task.decisions_per_trial).sum(-1)


def log_likelihood(model: Model, params: Params, batch) -> Float[Array, "subject"]:
    """Summed log-likelihood of every subject of a batch (see :func:`trial_log_likelihood`)."""
    return trial_log_likelihood(model, params, batch).sum(-1)


#: the latent every model has: the log-probability of the trial's recorded choice(s).
CHOICE_LOG_PROBABILITY = "choice_log_probability"


def latent_columns(model: Model) -> tuple[str, ...]:
    """Names of the columns :func:`latents` adds for ``model``."""
    return (CHOICE_LOG_PROBABILITY, *model.latent_names)


def session_latents(model: Model, params: Params, obs: Obs, actions, rewards, mask, n_actions: int) -> dict:
    """Record :meth:`Model.decision_latents` at every decision of one session.

    Runs the same scan as :func:`session_log_likelihood` (decisions outside ``mask``
    neither update nor count) and returns ``{name: [decision]}`` arrays.
    """
    rewards = jnp.where(mask, rewards, 0.0)

    def body(latent, inputs):
        o, action, reward, keep = inputs
        action = jnp.clip(action, 0, n_actions - 1)
        log_probs = _log_probabilities(model, params, latent, o)
        record = dict(model.decision_latents(params, latent, o, action, reward))
        record[CHOICE_LOG_PROBABILITY] = log_probs[action]
        new_latent = model.update(params, latent, o, action, reward)
        return _where_tree(keep, new_latent, latent), record

    _, records = jax.lax.scan(body, model.init_latent(params, n_actions), (obs, actions, rewards, mask))
    return records


def _check_latent_params(model: Model, params: Mapping[str, Any], n_subjects: int) -> dict:
    missing = [name for name in model.parameter_names if name not in params]
    if missing:
        raise CognaxError(f"latents of model {model.name!r} need parameter(s) {', '.join(missing)}; got {sorted(params)}")
    allowed = set(model.parameter_names) | set(model.discrete_parameters)
    checked = {}
    for name, value in params.items():
        if name not in allowed:
            raise unknown_name(f"parameter of model {model.name!r}", name, allowed)
        array = np.asarray(value, dtype=float)
        if array.ndim > 1 or (array.ndim == 1 and array.shape[0] != n_subjects):
            raise CognaxError(f"parameter {name!r} must be a scalar or one value per subject ({n_subjects}); got shape {array.shape}")
        if not np.all(np.isfinite(array) | np.isposinf(array)):
            raise CognaxError(f"parameter {name!r} must be finite; got {value!r}")
        checked[name] = jnp.broadcast_to(jnp.asarray(array, dtype=float), (n_subjects,))
    return checked


def latents(model: Model, params: Mapping[str, Any], batch) -> "pd.DataFrame":
    """The model's internal quantities on every recorded trial, as trial-table columns.

    Replays each subject's recorded choices and rewards through the model (the scan of
    the likelihood) and records, per trial, ``choice_log_probability`` (the log-probability
    of the trial's choices) and the family's :attr:`Model.latent_names` (chosen and
    unchosen values, the reward prediction error, model-based and model-free values of
    ``daw_hybrid``, the working-memory weight of ``rlwm``, ...). Rows marked
    ``valid = False`` get NaN and, as in a fit, do not update the model.

    Args:
        model: the model.
        params: parameter values by name, each a scalar or one value per subject (in
            batch order), e.g. the fitted parameters.
        batch: a :class:`~cognax.data.TrialBatch`.

    Returns:
        The batch's trial table (:func:`~cognax.data.from_batch` order) with one column
        per latent quantity appended.

    Example:
        >>> table = models.latents(models.make("q_learning"), fitted, batch)   # doctest: +SKIP
        >>> table[["choice", "reward", "value_chosen", "rpe"]].head()            # doctest: +SKIP
    """
    from cognax import tasks
    from cognax.data.batch import from_batch

    model.check_task(batch.task)
    task = tasks.make(batch.task)
    checked = _check_latent_params(model, params, batch.n_subjects)
    obs, actions, rewards = task.decisions(batch.columns)
    mask = task.trial_mask_to_decisions(batch.fit_mask)
    records = jax.jit(_batch_latents, static_argnums=(0, 6))(
        model, checked, obs, actions, rewards.astype(float), mask, batch.n_actions
    )
    table = from_batch(batch)
    row_mask = np.asarray(batch.mask)
    kept = np.asarray(batch.fit_mask)[row_mask]
    per_trial = task.decisions_per_trial
    for name in latent_columns(model):
        values = np.asarray(records[name], dtype=float).reshape(batch.n_subjects, batch.n_trials, per_trial)
        trial_values = values.sum(-1) if name == CHOICE_LOG_PROBABILITY else values[..., -1]
        if name in table.columns:
            raise CognaxError(f"the trial table already has a column {name!r}; rename it before adding latents")
        table[name] = np.where(kept, trial_values[row_mask], np.nan)
    return table


def _batch_latents(model, params, obs, actions, rewards, mask, n_actions):
    return jax.vmap(session_latents, in_axes=(None, 0, 0, 0, 0, 0, None))(
        model, params, obs, actions, rewards, mask, n_actions
    )
