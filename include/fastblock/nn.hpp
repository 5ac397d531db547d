// fastblock/nn.hpp — the network layer: layers with forward and backward, ResNet-18/34/50,
// fastai's head, and the flattened losses.
#pragma once

#include <fastblock/nn/activation.hpp>
#include <fastblock/nn/batchnorm.hpp>
#include <fastblock/nn/conv.hpp>
#include <fastblock/nn/dropout.hpp>
#include <fastblock/nn/head.hpp>
#include <fastblock/nn/init.hpp>
#include <fastblock/nn/layer.hpp>
#include <fastblock/nn/linear.hpp>
#include <fastblock/nn/loss.hpp>
#include <fastblock/nn/parameter.hpp>
#include <fastblock/nn/pooling.hpp>
#include <fastblock/nn/resnet.hpp>
#include <fastblock/nn/sequential.hpp>
#include <fastblock/nn/weights.hpp>
