// A metrics list holding something that is not a metric (here a bare threshold, as if
// `accuracy_multi{.thresh = 0.2f}` had been written `0.2f`): the build must stop with one line
// that says what a metric needs.
#include <string>
#include <vector>

#include <fastblock/learner/metrics.hpp>

namespace fb = fastblock;

/// Has a name but cannot accumulate batches.
struct NotAMetric {
  [[nodiscard]] std::string name() const { return "not_a_metric"; }
};

int main() {
#ifdef FASTBLOCK_COMPILE_FAIL
  const std::vector<fb::Metric> metrics = {fb::accuracy_multi{.thresh = 0.2f}, NotAMetric{}};
#else
  const std::vector<fb::Metric> metrics = {fb::accuracy_multi{.thresh = 0.2f}, fb::error_rate{}};
#endif
  return metrics.size() == 2 ? 0 : 1;
}
