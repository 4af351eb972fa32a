// All of banditry/duel: preference matrices and their winners, the Bradley-Terry model and its
// logistic MLE, design-matrix bookkeeping, APPO, ADPO and the classic dueling-bandit algorithms.
#pragma once

#include "banditry/duel/adpo.hpp"
#include "banditry/duel/appo.hpp"
#include "banditry/duel/bradley_terry.hpp"
#include "banditry/duel/classic.hpp"
#include "banditry/duel/confidence.hpp"
#include "banditry/duel/logistic_mle.hpp"
#include "banditry/duel/preference_matrix.hpp"
#include "banditry/duel/winners.hpp"
