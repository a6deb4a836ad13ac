// hBayesDM's gng_m4, written from cognax's spec (src/cognax/models/hbayesdm/gng.py)
// for benchmarks/hierarchical.py.
//
// For each cue s (1..4) Qgo(s), Qnogo(s) and the cue value V(s) start at 0. On each trial
//   Wgo = Qgo(s) + b + pi * V(s),  Wnogo = Qnogo(s)
//   P(go) = logistic(Wgo - Wnogo) * (1 - xi) + xi / 2
// and after the outcome o (-1, 0 or 1), with rho = rhoRew if o >= 0 else rhoPun:
//   V(s) += ep * (rho * o - V(s));  the taken action's Q(s) += ep * (rho * o - Q(s)).
// xi, ep = Phi_approx(x); b, pi = x; rhoRew, rhoPun = exp(x); each subject's
// x = mu_pr + sigma * z (non-centred), z ~ Normal(0, 1). Group priors:
// mu_pr ~ Normal(0, 1) and sigma ~ HalfNormal(0.2), except b and pi:
// mu_pr ~ Normal(0, 10), sigma ~ HalfCauchy(0, 1).
// Parameter order in mu_pr and sigma: xi, ep, b, pi, rhoRew, rhoPun.
// Trials past Tsubj[i] are padding and ignored.
data {
  int<lower=1> N;                       // subjects
  int<lower=1> T;                       // most trials of any subject
  array[N] int<lower=1, upper=T> Tsubj; // trials of each subject
  array[N, T] int<lower=1, upper=4> cue;
  array[N, T] int<lower=0, upper=1> pressed;  // 1 = go
  array[N, T] real outcome;
}
parameters {
  vector[6] mu_pr;
  vector<lower=0>[6] sigma;
  vector[N] xi_pr;
  vector[N] ep_pr;
  vector[N] b_pr;
  vector[N] pi_pr;
  vector[N] rhoRew_pr;
  vector[N] rhoPun_pr;
}
transformed parameters {
  vector<lower=0, upper=1>[N] xi = Phi_approx(mu_pr[1] + sigma[1] * xi_pr);
  vector<lower=0, upper=1>[N] ep = Phi_approx(mu_pr[2] + sigma[2] * ep_pr);
  vector[N] b = mu_pr[3] + sigma[3] * b_pr;
  vector[N] pi = mu_pr[4] + sigma[4] * pi_pr;
  vector<lower=0>[N] rhoRew = exp(mu_pr[5] + sigma[5] * rhoRew_pr);
  vector<lower=0>[N] rhoPun = exp(mu_pr[6] + sigma[6] * rhoPun_pr);
}
model {
  mu_pr[1:2] ~ normal(0, 1);
  mu_pr[3:4] ~ normal(0, 10);
  mu_pr[5:6] ~ normal(0, 1);
  sigma[1:2] ~ normal(0, 0.2);
  sigma[3:4] ~ cauchy(0, 1);
  sigma[5:6] ~ normal(0, 0.2);
  xi_pr ~ normal(0, 1);
  ep_pr ~ normal(0, 1);
  b_pr ~ normal(0, 1);
  pi_pr ~ normal(0, 1);
  rhoRew_pr ~ normal(0, 1);
  rhoPun_pr ~ normal(0, 1);
  for (i in 1:N) {
    vector[4] qv_g = rep_vector(0, 4);
    vector[4] qv_ng = rep_vector(0, 4);
    vector[4] sv = rep_vector(0, 4);
    for (t in 1:Tsubj[i]) {
      int s = cue[i, t];
      real p_go = inv_logit(qv_g[s] + b[i] + pi[i] * sv[s] - qv_ng[s]) * (1 - xi[i]) + xi[i] / 2;
      real target_value = (outcome[i, t] >= 0 ? rhoRew[i] : rhoPun[i]) * outcome[i, t];
      pressed[i, t] ~ bernoulli(p_go);
      sv[s] += ep[i] * (target_value - sv[s]);
      if (pressed[i, t]) {
        qv_g[s] += ep[i] * (target_value - qv_g[s]);
      } else {
        qv_ng[s] += ep[i] * (target_value - qv_ng[s]);
      }
    }
  }
}
generated quantities {
  real<lower=0, upper=1> mu_xi = Phi_approx(mu_pr[1]);
  real<lower=0, upper=1> mu_ep = Phi_approx(mu_pr[2]);
  real mu_b = mu_pr[3];
  real mu_pi = mu_pr[4];
  real<lower=0> mu_rhoRew = exp(mu_pr[5]);
  real<lower=0> mu_rhoPun = exp(mu_pr[6]);
}
