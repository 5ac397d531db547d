// fastblock/data.hpp — the data layer: DataFrame and CSV, blocks, splitters, Datasets and
// DataLoaders, transforms and the DataBlock.
#pragma once

#include <fastblock/data/block.hpp>
#include <fastblock/data/block_datasets.hpp>
#include <fastblock/data/collate.hpp>
#include <fastblock/data/csv.hpp>
#include <fastblock/data/datablock.hpp>
#include <fastblock/data/dataframe.hpp>
#include <fastblock/data/dataframe_rows.hpp>
#include <fastblock/data/dataloader.hpp>
#include <fastblock/data/dataloaders.hpp>
#include <fastblock/data/dataset.hpp>
#include <fastblock/data/datasets.hpp>
#include <fastblock/data/load_txt.hpp>
#include <fastblock/data/pipeline.hpp>
#include <fastblock/data/show.hpp>
#include <fastblock/data/splits.hpp>
#include <fastblock/data/splitters.hpp>
#include <fastblock/data/synthetic.hpp>
#include <fastblock/data/transform.hpp>
#include <fastblock/data/untar.hpp>
