// All of banditry/core: errors, numerics, random streams, linear algebra, concepts.
#pragma once

#include "banditry/core/concepts.hpp"
#include "banditry/core/error.hpp"
#include "banditry/core/linalg.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/version.hpp"
