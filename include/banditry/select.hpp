// Selection for Pass@k inference: grouping of sampled answers, majority voting, Best-of-N,
// Best-of-Majority, soft Best-of-N, weighted majority, process-reward aggregation, pass@k and
// subset estimators, Pass@k regret and the answer-universe simulator.
#pragma once

#include "banditry/select/estimators.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/pass_at_k.hpp"
#include "banditry/select/process_reward.hpp"
#include "banditry/select/ranking.hpp"
#include "banditry/select/regret.hpp"
#include "banditry/select/rule.hpp"
#include "banditry/select/rules.hpp"
#include "banditry/select/simulator.hpp"
