// fastblock/fastblock.hpp — everything fastblock offers, in one include.
#pragma once

#include <fastblock/core.hpp>
#include <fastblock/data.hpp>
#include <fastblock/io.hpp>
#include <fastblock/learner.hpp>
#include <fastblock/nn.hpp>
#include <fastblock/optim.hpp>
#include <fastblock/tensor.hpp>
#include <fastblock/vision.hpp>
