# Every dependency comes from the distribution (see scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
# DICOM decoding (vg::image_dicom only). Debian 12's libdcmtk-dev (3.6.7) ships a working CMake package.
find_package(DCMTK CONFIG REQUIRED)

# llama.cpp is optional: without it everything but the in-process engine builds and tests.
# -DVG_WITH_LLAMA=OFF builds as if it were not installed (to check that path).
option(VG_WITH_LLAMA "Use an installed llama.cpp when one is found" ON)
if(VG_WITH_LLAMA)
    find_package(llama CONFIG QUIET)
    find_library(VG_MTMD_LIBRARY mtmd)
    find_path(VG_MTMD_INCLUDE_DIR mtmd.h)
endif()
if(VG_WITH_LLAMA AND llama_FOUND AND VG_MTMD_LIBRARY AND VG_MTMD_INCLUDE_DIR)
    set(VG_HAVE_LLAMA ON CACHE INTERNAL "llama.cpp found")
    add_library(vg_mtmd UNKNOWN IMPORTED)
    set_target_properties(vg_mtmd PROPERTIES IMPORTED_LOCATION "${VG_MTMD_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${VG_MTMD_INCLUDE_DIR}" INTERFACE_LINK_LIBRARIES llama)
    message(STATUS "llama.cpp: found ${llama_DIR} (mtmd: ${VG_MTMD_LIBRARY})")
else()
    set(VG_HAVE_LLAMA OFF CACHE INTERNAL "llama.cpp found")
    message(STATUS "llama.cpp: NOT FOUND - the llama engine and its tests are skipped (see scripts/check-llama)")
endif()
