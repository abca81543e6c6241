// Boost.Asio's implementation, compiled once for the whole library
// (BOOST_ASIO_SEPARATE_COMPILATION), its SSL streams (OpenSSL) included.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
