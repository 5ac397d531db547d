// fastblock/core.hpp — the core layer: configuration, errors, random numbers, the thread pool.
#pragma once

#include <fastblock/core/config.hpp>
#include <fastblock/core/error.hpp>
#include <fastblock/core/random.hpp>
#include <fastblock/core/thread_pool.hpp>
