// Must not compile: a feature map needs dimension().
#include <Eigen/Core>

#include "banditry/core/concepts.hpp"

struct no_dimension {
  Eigen::VectorXd operator()(std::size_t, std::size_t) const { return Eigen::VectorXd::Zero(2); }
};

template <banditry::feature_map Map>
std::size_t dimension_of(const Map& map) {
  return map.dimension();
}

int main() { return static_cast<int>(dimension_of(no_dimension{})); }
