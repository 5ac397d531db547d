// A Learner pairing single-label cross-entropy with a multi-label DataBlock's targets must stop
// the build at the Learner, with one line saying so (not deep inside the first training batch).
#include <string>
#include <vector>

#include <fastblock/data.hpp>
#include <fastblock/learner.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/tensor.hpp>

namespace fb = fastblock;

struct Item {
  fb::Tensor x;
  std::vector<std::string> labels;
};

int main() {
  auto dls = fb::DataBlock<fb::TransformBlock<fb::Tensor>, fb::MultiCategoryBlock>{}
                 .get_x([](const Item& i) { return i.x; })
                 .get_y([](const Item& i) { return i.labels; })
                 .dataloaders(std::vector<Item>{{fb::zeros({2}), {"a"}}, {fb::zeros({2}), {"b"}}});
#ifdef FASTBLOCK_COMPILE_FAIL
  fb::Learner learn(std::move(dls), fb::Linear(2, 2), fb::CrossEntropyLossFlat());
#else
  fb::Learner learn(std::move(dls), fb::Linear(2, 2), fb::BCEWithLogitsLossFlat());
#endif
  return learn.n_groups() == 1 ? 0 : 1;
}
