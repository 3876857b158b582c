# SPDX-License-Identifier: MIT
# Dependencies through pkg-config, exported as imported targets PF::<name>.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PF_CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(PF_CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(PF_CARES REQUIRED IMPORTED_TARGET libcares)
pkg_check_modules(PF_PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(PF_CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
add_library(PF::cjson ALIAS PkgConfig::PF_CJSON)
add_library(PF::curl ALIAS PkgConfig::PF_CURL)
add_library(PF::cares ALIAS PkgConfig::PF_CARES)
add_library(PF::pcap ALIAS PkgConfig::PF_PCAP)
add_library(PF::crypto ALIAS PkgConfig::PF_CRYPTO)
