"""Stable-Baselines3 RecurrentPPO on cognax's bandit through the Gymnasium adapter (run in .venv-sb3).

Prints one JSON line: environment steps per second *including learning*, for each timed
repeat. The environment is the Wang et al. (2016) bandit (2 arms, p ~ U[0, 1], 100 trials)
with the meta-RL input (one-hot previous action, previous reward) added by a wrapper, and
the policy an LSTM with 48 units (sb3-contrib's RecurrentPPO, PyTorch on the CPU).
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium
import numpy as np
import torch
from sb3_contrib import RecurrentPPO
from stable_baselines3.common.env_util import make_vec_env

from cognax.tasks import gymnasium as cognax_gym


class MetaRLInput(gymnasium.Wrapper):
    """Observation = task observation + one-hot previous action + previous reward."""

    def __init__(self, env):
        super().__init__(env)
        self.n_actions = int(env.action_space.n)
        size = env.observation_space.shape[0] + self.n_actions + 1
        self.observation_space = gymnasium.spaces.Box(0.0, 1.0, (size,), np.float32)

    def _extend(self, obs, action, reward):
        extra = np.zeros(self.n_actions + 1, np.float32)
        if action is not None:
            extra[action] = 1.0
            extra[-1] = reward
        return np.concatenate([np.asarray(obs, np.float32), extra])

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        return self._extend(obs, None, 0.0), info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._extend(obs, int(action), float(reward)), reward, terminated, truncated, info


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(2)
    env = make_vec_env(lambda: MetaRLInput(cognax_gym.make("bandit", n_arms=2, n_trials=100)),
                       n_envs=args.envs, seed=0)
    model = RecurrentPPO(
        "MlpLstmPolicy", env, n_steps=100, batch_size=100 * args.envs, n_epochs=1, gamma=0.9,
        learning_rate=3e-3, ent_coef=0.05, vf_coef=0.05, seed=0, device="cpu",
        policy_kwargs=dict(lstm_hidden_size=48, n_lstm_layers=1, net_arch=[], shared_lstm=True,
                           enable_critic_lstm=False),
    )
    model.learn(total_timesteps=100 * args.envs)  # warm-up: first-call costs out of the timing
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.learn(total_timesteps=args.steps, reset_num_timesteps=False)
        rates.append(args.steps / (time.perf_counter() - start))
    print(json.dumps({"steps_per_second": rates, "torch": torch.__version__, "envs": args.envs}))


if __name__ == "__main__":
    main()
