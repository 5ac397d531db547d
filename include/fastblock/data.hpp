// fastblock/data.hpp — the data layer: DataFrame and CSV, blocks, splitters.
#pragma once

#include <fastblock/data/block.hpp>
#include <fastblock/data/csv.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/splitters.hpp>
