// fastblock/data/block.hpp — the blocks of a DataBlock, in one include.
//
// Contract: a block (data/blocks/concept.hpp) names what a getter must return for it, the item it
// encodes that into, and what that implies for the learner (default loss, n_out); its run-time
// state, such as a vocabulary, is learned by setup() from the training items only. This header
// gathers the concept and checks, the typed tensors items are made of (data/typed_tensor.hpp),
// the classification blocks (CategoryBlock, MultiCategoryBlock), RegressionBlock, TransformBlock
// for user-defined blocks, split() for label strings and type_name<T>() for messages. The vision
// layer adds ImageBlock and PointBlock in its own headers; nothing here needs to know them.
#pragma once

#include <fastblock/data/blocks/category.hpp>
#include <fastblock/data/blocks/concept.hpp>
#include <fastblock/data/blocks/regression.hpp>
#include <fastblock/data/blocks/transform.hpp>
#include <fastblock/data/strings.hpp>
#include <fastblock/data/type_name.hpp>
#include <fastblock/tensor/typed_tensor.hpp>
