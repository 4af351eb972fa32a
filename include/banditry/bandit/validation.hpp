// Input checks shared by the KL-regularised bandit headers.
//
// A tabular problem has contexts x = 0..X-1 and actions y = 0..K-1. Policies, rewards and counts
// are Eigen matrices with one row per context and one column per action; a context distribution is
// a vector of length X.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <span>
#include <string>
#include <string_view>

#include "banditry/core/error.hpp"

namespace banditry::bandit::detail {

/// Tolerance on |sum - 1| of a probability vector, per entry (as require_distribution).
inline constexpr double distribution_tolerance = 1e-9;

inline std::string cell_name(std::string_view what, Eigen::Index x, Eigen::Index y) {
  return std::string(what) + "(" + std::to_string(x) + ", " + std::to_string(y) + ")";
}

/// Throws std::domain_error unless eta is finite and positive.
inline void check_eta(double eta, std::string_view function) {
  if (!(eta > 0) || !std::isfinite(eta)) {
    throw_domain_error(function, "eta", "finite and > 0", eta);
  }
}

/// Throws unless `matrix` is non-empty and every entry is finite.
inline void check_finite_matrix(const Eigen::MatrixXd& matrix, std::string_view function,
                                std::string_view what) {
  require_nonempty(static_cast<std::size_t>(matrix.size()), function, what);
  for (Eigen::Index x = 0; x < matrix.rows(); ++x) {
    for (Eigen::Index y = 0; y < matrix.cols(); ++y) {
      if (!std::isfinite(matrix(x, y))) {
        throw_domain_error(function, cell_name(what, x, y), "finite", matrix(x, y));
      }
    }
  }
}

/// Throws unless `matrix` has the shape rows x cols.
inline void check_shape(const Eigen::MatrixXd& matrix, Eigen::Index rows, Eigen::Index cols,
                        std::string_view function, std::string_view what) {
  require_same_size(static_cast<std::size_t>(matrix.rows()), static_cast<std::size_t>(rows),
                    function, std::string(what) + " rows", "the number of contexts");
  require_same_size(static_cast<std::size_t>(matrix.cols()), static_cast<std::size_t>(cols),
                    function, std::string(what) + " columns", "the number of actions");
}

/// Throws std::domain_error unless every row of `policy` is a probability vector: entries in
/// [0, 1] and row sums within distribution_tolerance * K of one.
inline void check_policy(const Eigen::MatrixXd& policy, std::string_view function,
                         std::string_view what) {
  require_nonempty(static_cast<std::size_t>(policy.size()), function, what);
  for (Eigen::Index x = 0; x < policy.rows(); ++x) {
    long double sum = 0;
    for (Eigen::Index y = 0; y < policy.cols(); ++y) {
      const double p = policy(x, y);
      if (!(p >= 0 && p <= 1)) {
        throw_domain_error(function, cell_name(what, x, y), "a probability in [0, 1]", p);
      }
      sum += p;
    }
    const double tolerance = distribution_tolerance * static_cast<double>(policy.cols()) + 1e-12;
    if (std::abs(static_cast<double>(sum) - 1.0) > tolerance) {
      throw_domain_error(function, "sum of " + std::string(what) + " row " + std::to_string(x),
                         "1 within " + banditry::detail::format_value(tolerance),
                         static_cast<double>(sum));
    }
  }
}

/// Throws std::domain_error unless `rho` is a probability vector of length `contexts`.
inline void check_context_distribution(const Eigen::VectorXd& rho, Eigen::Index contexts,
                                       std::string_view function) {
  require_same_size(static_cast<std::size_t>(rho.size()), static_cast<std::size_t>(contexts),
                    function, "rho", "the number of contexts");
  require_distribution(std::span<const double>(rho.data(), static_cast<std::size_t>(rho.size())),
                       function, "rho", distribution_tolerance);
}

}  // namespace banditry::bandit::detail
