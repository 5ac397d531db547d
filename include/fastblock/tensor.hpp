// fastblock/tensor.hpp — the tensor layer: Tensor, its ops, factories and printing.
// The Eigen and xtensor views (tensor/eigen.hpp, tensor/xtensor.hpp) are opt-in includes.
#pragma once

#include <fastblock/core.hpp>
#include <fastblock/tensor/factory.hpp>
#include <fastblock/tensor/ops.hpp>
#include <fastblock/tensor/print.hpp>
#include <fastblock/tensor/tensor.hpp>
#include <fastblock/tensor/typed_tensor.hpp>
