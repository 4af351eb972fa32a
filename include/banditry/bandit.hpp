// All of banditry/bandit: offline KL-regularised contextual bandits (Gibbs policies, the exact
// sub-optimality identity, coverage diagnostics, KL-PCB, chi-square f-CB, offline preference
// learning, off-policy value estimates and data generators).
#pragma once

#include "banditry/bandit/chi_square.hpp"
#include "banditry/bandit/coverage.hpp"
#include "banditry/bandit/features.hpp"
#include "banditry/bandit/generators.hpp"
#include "banditry/bandit/gibbs.hpp"
#include "banditry/bandit/kl_pcb.hpp"
#include "banditry/bandit/off_policy.hpp"
#include "banditry/bandit/offline_dueling.hpp"
#include "banditry/bandit/validation.hpp"
