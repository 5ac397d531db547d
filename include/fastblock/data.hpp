// fastblock/data.hpp — the data layer: DataFrame and CSV.
#pragma once

#include <fastblock/data/csv.hpp>
#include <fastblock/data/dataframe.hpp>
