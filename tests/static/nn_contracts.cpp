// Type-level contracts of the network layer: every layer models Layer, composites too, and each
// loss accepts exactly the typed targets it is written for.
#include <fastblock/nn.hpp>

namespace fb = fastblock;

static_assert(fb::Layer<fb::Conv2d>);
static_assert(fb::Layer<fb::BatchNorm2d>);
static_assert(fb::Layer<fb::BatchNorm1d>);
static_assert(fb::Layer<fb::ReLU>);
static_assert(fb::Layer<fb::SigmoidRange>);
static_assert(fb::Layer<fb::MaxPool2d>);
static_assert(fb::Layer<fb::AdaptiveAvgPool2d>);
static_assert(fb::Layer<fb::AdaptiveMaxPool2d>);
static_assert(fb::Layer<fb::AdaptiveConcatPool2d>);
static_assert(fb::Layer<fb::Linear>);
static_assert(fb::Layer<fb::Flatten>);
static_assert(fb::Layer<fb::Dropout>);
static_assert(fb::Layer<fb::BasicBlock>);
static_assert(fb::Layer<fb::Bottleneck>);
static_assert(fb::Layer<fb::Head>);
static_assert(fb::Layer<fb::ResNet<fb::BasicBlock>>);
static_assert(fb::Layer<fb::ResNetBody<fb::Bottleneck>>);
static_assert(fb::Layer<fb::Sequential<fb::Conv2d, fb::ReLU>>);
static_assert(!fb::Layer<int>);
static_assert(!fb::Layer<fb::Tensor>);

// Multi-label targets go with BCE, class indices with cross-entropy, values with MSE.
static_assert(fb::BCEWithLogitsLossFlat::accepts<fb::TensorMultiCategory>);
static_assert(!fb::BCEWithLogitsLossFlat::accepts<fb::TensorCategory>);
static_assert(fb::CrossEntropyLossFlat::accepts<fb::TensorCategory>);
static_assert(!fb::CrossEntropyLossFlat::accepts<fb::TensorMultiCategory>);
static_assert(!fb::MSELossFlat::accepts<fb::TensorCategory>);
static_assert(fb::MSELossFlat::accepts<fb::TensorMultiCategory>);

// A loss called with a typed target it accepts returns the same as with the plain tensor.
static_assert(std::same_as<decltype(std::declval<fb::CrossEntropyLossFlat&>()(
                               std::declval<const fb::Tensor&>(),
                               std::declval<const fb::TensorCategory&>())),
                           fb::Tensor>);
