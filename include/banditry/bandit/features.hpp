// Feature tables for linear reward classes over finitely many (context, action) cells.
#pragma once

#include <Eigen/Dense>
#include <string>

#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"

namespace banditry::bandit {

/// Features phi(x, y) of every (context, action) cell of a finite problem: row x * actions + y of
/// `phi` is phi(x, y), a vector of dimension phi.cols().
struct feature_table {
  Eigen::Index contexts = 0;  ///< number of contexts X
  Eigen::Index actions = 0;   ///< number of actions K
  Eigen::MatrixXd phi;        ///< (X K) x d matrix of features, one row per cell

  /// Feature dimension d.
  Eigen::Index dimension() const { return phi.cols(); }
  /// The row phi(x, y).
  auto row(Eigen::Index x, Eigen::Index y) const { return phi.row(x * actions + y); }
};

/// Builds the one-hot feature table of a tabular problem: phi(x, y) = e_{x K + y} in R^{X K}.
/// With it a linear class is the tabular class. \pre contexts, actions >= 1 (checked). O((X K)^2).
inline feature_table one_hot_features(Eigen::Index contexts, Eigen::Index actions) {
  require(contexts >= 1, "bandit::one_hot_features", "contexts", "at least 1", contexts);
  require(actions >= 1, "bandit::one_hot_features", "actions", "at least 1", actions);
  feature_table table{contexts, actions,
                      Eigen::MatrixXd::Identity(contexts * actions, contexts * actions)};
  return table;
}

namespace detail {

/// Throws unless the table has X K rows, at least one column and finite entries.
inline void check_features(const feature_table& features, Eigen::Index contexts,
                           Eigen::Index actions, std::string_view function) {
  require(features.contexts == contexts && features.actions == actions, function,
          "feature table shape",
          "equal to the problem's " + std::to_string(contexts) + " x " + std::to_string(actions) +
              " cells",
          std::to_string(features.contexts) + " x " + std::to_string(features.actions));
  require_same_size(static_cast<std::size_t>(features.phi.rows()),
                    static_cast<std::size_t>(contexts * actions), function, "features rows",
                    "contexts * actions");
  require_nonempty(static_cast<std::size_t>(features.phi.cols()), function, "feature dimension");
  if (!features.phi.allFinite()) {
    throw_domain_error(function, "features", "all finite", "a non-finite entry");
  }
}

}  // namespace detail

}  // namespace banditry::bandit
