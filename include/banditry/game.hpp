// Aggregate header of banditry::game: exact, finite versions of self-play alignment methods
// (SPPO, SPIN, DQO on a token tree, SPIN-Diffusion on a Gaussian toy) with their certificates.
#pragma once

#include "banditry/game/dqo.hpp"
#include "banditry/game/preference_game.hpp"
#include "banditry/game/spin.hpp"
#include "banditry/game/spin_diffusion.hpp"
#include "banditry/game/sppo.hpp"
#include "banditry/game/token_tree.hpp"
