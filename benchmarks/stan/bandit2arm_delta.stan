// hBayesDM's bandit2arm_delta, written from cognax's spec
// (src/cognax/models/hbayesdm/bandit.py) for benchmarks/hierarchical.py.
//
// V starts at 0 for both arms; on each trial P(choice) = softmax(tau * V), then
// V[choice] += A * (outcome - V[choice]).
// A = Phi_approx(x_A), tau = 5 * Phi_approx(x_tau); each subject's x = mu_pr + sigma * z
// (non-centred), mu_pr ~ Normal(0, 1), sigma ~ HalfNormal(0.2), z ~ Normal(0, 1).
// Choices are 1 or 2; trials past Tsubj[i] are padding and ignored.
data {
  int<lower=1> N;                       // subjects
  int<lower=1> T;                       // most trials of any subject
  array[N] int<lower=1, upper=T> Tsubj; // trials of each subject
  array[N, T] int<lower=1, upper=2> choice;
  array[N, T] real outcome;
}
parameters {
  vector[2] mu_pr;
  vector<lower=0>[2] sigma;
  vector[N] A_pr;
  vector[N] tau_pr;
}
transformed parameters {
  vector<lower=0, upper=1>[N] A = Phi_approx(mu_pr[1] + sigma[1] * A_pr);
  vector<lower=0, upper=5>[N] tau = 5 * Phi_approx(mu_pr[2] + sigma[2] * tau_pr);
}
model {
  mu_pr ~ normal(0, 1);
  sigma ~ normal(0, 0.2);
  A_pr ~ normal(0, 1);
  tau_pr ~ normal(0, 1);
  for (i in 1:N) {
    vector[2] ev = rep_vector(0, 2);
    for (t in 1:Tsubj[i]) {
      choice[i, t] ~ categorical_logit(tau[i] * ev);
      ev[choice[i, t]] += A[i] * (outcome[i, t] - ev[choice[i, t]]);
    }
  }
}
generated quantities {
  real<lower=0, upper=1> mu_A = Phi_approx(mu_pr[1]);
  real<lower=0, upper=5> mu_tau = 5 * Phi_approx(mu_pr[2]);
}
