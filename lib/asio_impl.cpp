// Boost.Asio's implementation, compiled once for the whole library
// (BOOST_ASIO_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
