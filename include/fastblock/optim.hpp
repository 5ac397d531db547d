// fastblock/optim.hpp — the optimisation layer: fastai's Adam and SGD over parameter groups, and
// the schedules of fit_one_cycle (combined cosine, even_mults, slice learning rates).
#pragma once

#include <fastblock/optim/optimizer.hpp>
#include <fastblock/optim/schedule.hpp>
