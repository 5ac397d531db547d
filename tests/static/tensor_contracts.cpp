// Type-level contracts of the tensor layer, checked at compile time: this file compiling is the
// test. Each assertion states a property users and later layers rely on.
#include <concepts>
#include <type_traits>

#include <fastblock/tensor.hpp>

namespace fb = fastblock;

// A Tensor is a value type: default-constructible, copyable (sharing storage, like PyTorch) and
// cheaply movable. It is semiregular rather than regular because `a == b` is elementwise and
// returns a mask, as in PyTorch; `fb::equal(a, b)` answers the whole-tensor question.
static_assert(std::semiregular<fb::Tensor>);
static_assert(std::is_nothrow_move_constructible_v<fb::Tensor>);
static_assert(std::is_nothrow_move_assignable_v<fb::Tensor>);
static_assert(std::same_as<decltype(std::declval<fb::Tensor>() == 1), fb::Tensor>);
static_assert(!std::equality_comparable<fb::Tensor>);

// Views are cheap to copy: metadata and one shared pointer, no heap allocation of their own.
static_assert(sizeof(fb::Tensor) <= 192);
static_assert(std::is_trivially_copyable_v<fb::Shape>);
static_assert(std::same_as<decltype(std::declval<const fb::Tensor&>()[0]), fb::Tensor>);

// Element types map to dtypes and back.
static_assert(fb::dtype_of<float> == fb::float32);
static_assert(fb::dtype_of<std::int64_t> == fb::int64);
static_assert(fb::dtype_of<std::uint8_t> == fb::uint8);
static_assert(fb::dtype_of<bool> == fb::boolean);
static_assert(fb::Element<float> && !fb::Element<double> && !fb::Element<int>);
static_assert(fb::itemsize(fb::float32) == 4 && fb::itemsize(fb::int64) == 8);
static_assert(fb::promote(fb::int64, fb::float32) == fb::float32);
static_assert(fb::promote(fb::boolean, fb::uint8) == fb::uint8);

// Any C++ number works as a scalar operand and remembers whether it was an integer.
static_assert(std::convertible_to<int, fb::Scalar> && std::convertible_to<double, fb::Scalar>);
static_assert(!std::convertible_to<const char*, fb::Scalar>);
static_assert(fb::Scalar(1).is_integral() && !fb::Scalar(1.0).is_integral());

// The generator plugs into the standard library's algorithms.
static_assert(std::uniform_random_bit_generator<fb::Generator>);

// The seed's expression has the types it has in PyTorch: a 0-d float tensor.
static_assert(
    std::same_as<decltype(-fb::where(std::declval<fb::Tensor>() == 1, std::declval<fb::Tensor>(),
                                     1 - std::declval<fb::Tensor>())
                               .log()
                               .mean()),
                 fb::Tensor>);
