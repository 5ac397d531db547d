// fuzz/stb_impl.cpp — stb_image's and stb_image_write's implementations, compiled with the fuzz
// targets' instrumentation in place of Debian's libstb.so (built from the same header), so that
// sanitizers and coverage see inside the decoder.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
