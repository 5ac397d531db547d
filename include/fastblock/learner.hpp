// fastblock/learner.hpp — training: Learner, cnn_learner, metrics, callbacks.
#pragma once

#include <fastblock/learner/callback.hpp>
#include <fastblock/learner/cnn_learner.hpp>
#include <fastblock/learner/learner.hpp>
#include <fastblock/learner/load_learner.hpp>
#include <fastblock/learner/metrics.hpp>
#include <fastblock/learner/progress.hpp>
#include <fastblock/learner/recorder.hpp>
#include <fastblock/learner/thresholds.hpp>
