// The one translation unit that holds Catch2's main (Catch2 3 would link Catch2::Catch2WithMain
// instead and drop this file).
#define CATCH_CONFIG_MAIN
#include "catch.hpp"
