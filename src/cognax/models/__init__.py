"""Cognitive models: one definition gives both simulation and likelihood.

Example:
    >>> import cognax.models as models
    >>> model = models.make("q_learning")
    >>> model.parameter_names
    ('learning_rate', 'inverse_temperature')
"""

from __future__ import annotations

from cognax._registry import Registry
from cognax.models.base import (
    Model,
    latent_columns,
    latents,
    log_likelihood,
    session_latents,
    session_log_likelihood,
    trial_log_likelihood,
)
from cognax.models.parameters import Parameter, Prior
from cognax.models.bayes_reversal import BayesianReversal
from cognax.models.bias import Bias
from cognax.models.hbayesdm import (
    Bandit2ArmDelta,
    GoNoGoM1,
    GoNoGoM2,
    GoNoGoM3,
    GoNoGoM4,
    PRLFictitious,
    PRLRewardPunishment,
    TwoStepPar4,
    TwoStepPar6,
    TwoStepPar7,
)
from cognax.models.kalman import KalmanFilter
from cognax.models.q_learning import QLearning
from cognax.models.q_learning_dual import QLearningDual
from cognax.models.q_learning_forget import QLearningForgetting
from cognax.models.q_learning_persev import QLearningPerseveration
from cognax.models.random_policy import RandomPolicy
from cognax.models.rlwm import (
    RLWMModel,
    RLWMNoNegativeRL,
    RLWMSharedBias,
    RLWMTargetNegative,
    WorkingMemoryHabit,
)
from cognax.models.two_step import DawHybrid, ModelBased, ModelFree
from cognax.models.wsls import WinStayLoseShift

registry: Registry[Model] = Registry("model")
registry.register("q_learning", QLearning)
registry.register("random", RandomPolicy)
registry.register("q_learning_persev", QLearningPerseveration)
registry.register("q_learning_dual", QLearningDual)
registry.register("q_learning_forget", QLearningForgetting)
registry.register("wsls", WinStayLoseShift)
registry.register("bias", Bias)
registry.register("bayes_reversal", BayesianReversal)
registry.register("kalman", KalmanFilter)
registry.register("daw_hybrid", DawHybrid)
registry.register("model_free", ModelFree)
registry.register("model_based", ModelBased)
registry.register("rlwm", RLWMModel)
registry.register("rlwm_r0", RLWMTargetNegative)
registry.register("rlwm_rl0", RLWMNoNegativeRL)
registry.register("rlwm_shared_bias", RLWMSharedBias)
registry.register("wmh", WorkingMemoryHabit)
registry.register("bandit2arm_delta", Bandit2ArmDelta)
registry.register("prl_rp", PRLRewardPunishment)
registry.register("prl_fictitious", PRLFictitious)
registry.register("gng_m1", GoNoGoM1)
registry.register("gng_m2", GoNoGoM2)
registry.register("gng_m3", GoNoGoM3)
registry.register("gng_m4", GoNoGoM4)
registry.register("ts_par4", TwoStepPar4)
registry.register("ts_par6", TwoStepPar6)
registry.register("ts_par7", TwoStepPar7)


def make(name: str, **kwargs) -> Model:
    """Build a registered model by id."""
    return registry.make(name, **kwargs)


def names() -> list[str]:
    return registry.names()


def for_task(task_name: str) -> list[str]:
    """Ids of the models that apply to a task."""
    applicable = []
    for name in names():
        model = make(name)
        if model.tasks is None or task_name in model.tasks:
            applicable.append(name)
    return applicable


__all__ = [
    "Model", "Parameter", "Prior", "make", "names", "for_task", "registry",
    "log_likelihood", "trial_log_likelihood", "session_log_likelihood", "QLearning", "RandomPolicy",
    "latents", "latent_columns", "session_latents",
]
__all__ += ["DawHybrid", "ModelFree", "ModelBased"]
__all__ += ["RLWMModel", "RLWMTargetNegative", "RLWMNoNegativeRL", "RLWMSharedBias", "WorkingMemoryHabit"]
__all__ += [
    "QLearningPerseveration", "QLearningDual", "QLearningForgetting", "WinStayLoseShift", "Bias",
    "BayesianReversal", "KalmanFilter",
]
__all__ += [
    "Bandit2ArmDelta", "PRLRewardPunishment", "PRLFictitious", "GoNoGoM1", "GoNoGoM2", "GoNoGoM3", "GoNoGoM4",
    "TwoStepPar4", "TwoStepPar6", "TwoStepPar7",
]
