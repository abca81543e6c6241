# The Debian package: `cpack -G DEB` in the build tree (README, "A Debian package").
# Included last by the top-level CMakeLists.txt, once every install() rule is known: the
# package holds whatever they install (binaries, the library, man pages, bash completion)
# plus what only a package installs (component `deb`, left out of a plain
# `cmake --install`): the systemd unit, running from /usr/sbin, and the example
# deployment file as the conffile /etc/sipproxy/sipproxy.conf. dist/debian/postinst
# creates the `sipproxy` system user the unit runs as.
set(SIPPROXY_PACKAGE_PREFIX /usr)

# The unit of dist/ names /usr/local/sbin (a hand install); the package's names /usr/sbin.
file(READ ${PROJECT_SOURCE_DIR}/dist/sipproxyd@.service SIPPROXY_UNIT)
string(REPLACE "/usr/local/sbin/" "${SIPPROXY_PACKAGE_PREFIX}/sbin/" SIPPROXY_UNIT
               "${SIPPROXY_UNIT}")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/dist/sipproxyd@.service CONTENT "${SIPPROXY_UNIT}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/dist/sipproxyd@.service)
install(FILES ${PROJECT_BINARY_DIR}/dist/sipproxyd@.service DESTINATION lib/systemd/system
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/examples/sipproxy.conf DESTINATION /etc/sipproxy
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sipproxy)
set(CPACK_PACKAGE_VENDOR "sipproxy")
set(CPACK_PACKAGE_CONTACT "sipproxy maintainers <sipproxy@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "high-availability SIP proxy for SIP Server HA pairs")
set(CPACK_PACKAGE_DESCRIPTION
    "A pool of sipproxyd instances stands in front of primary/backup SIP Server HA pairs (an RFC 3261 stateful proxy over UDP and TCP), with sipproxyctl and sipprobe.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${SIPPROXY_PACKAGE_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Stripped (the build tree keeps the debug information); gzip: quick to build.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/sipproxy")
# Every component in one package: the default one and `deb`.
get_cmake_property(SIPPROXY_COMPONENTS COMPONENTS)
set(CPACK_COMPONENTS_ALL ${SIPPROXY_COMPONENTS})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
# Depends from the ELF files (dpkg-shlibdeps, Debian's dpkg-dev); the library is private
# (lib/sipproxy, found through the binaries' RUNPATH).
find_program(SIPPROXY_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SIPPROXY_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${SIPPROXY_PACKAGE_PREFIX}/lib/sipproxy)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6, libstdc++6, libgcc-s1, libfmt9, libc-ares2, libhiredis0.14, libssl3, libboost-program-options1.81.0, passwd")
endif()
# passwd: useradd, for the postinst (Priority: required, so always there; said anyway).
if(SIPPROXY_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS passwd)
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/dist/debian/postinst ${PROJECT_SOURCE_DIR}/dist/debian/postrm
    ${PROJECT_SOURCE_DIR}/dist/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
