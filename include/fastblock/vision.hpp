// fastblock/vision.hpp — the vision layer: Image and its files, TensorImage, the image
// transforms, ImageBlock and the synthetic PASCAL-like image dataset.
#pragma once

#include <fastblock/vision/augment.hpp>
#include <fastblock/vision/draw.hpp>
#include <fastblock/vision/files.hpp>
#include <fastblock/vision/font.hpp>
#include <fastblock/vision/image.hpp>
#include <fastblock/vision/image_block.hpp>
#include <fastblock/vision/plot.hpp>
#include <fastblock/vision/points.hpp>
#include <fastblock/vision/resample.hpp>
#include <fastblock/vision/show.hpp>
#include <fastblock/vision/synthetic_biwi.hpp>
#include <fastblock/vision/synthetic_images.hpp>
#include <fastblock/vision/tensor_image.hpp>
#include <fastblock/vision/transforms.hpp>
