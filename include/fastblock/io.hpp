// fastblock/io.hpp — weights files: StateDict, safetensors reading and writing, PyTorch .pth
// checkpoints read through a restricted unpickler.
#pragma once

#include <fastblock/io/pth.hpp>
#include <fastblock/io/safetensors.hpp>
#include <fastblock/io/state_dict.hpp>
#include <fastblock/io/zip_reader.hpp>
