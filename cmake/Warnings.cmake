# Warnings apply to VisionGrid's own targets only, never to the libraries we consume.
add_library(vg_warnings INTERFACE)
target_compile_options(vg_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(VG_WERROR)
    target_compile_options(vg_warnings INTERFACE -Werror)
endif()
if(VG_SANITIZE OR VG_FUZZ)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()
# libFuzzer's coverage hooks in every library; only the targets in tests/fuzz link its main().
if(VG_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# vg_library(name SOURCES ... DEPS ...): one static library per area, warnings on.
function(vg_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_library(vg_${name} STATIC ${ARG_SOURCES})
    add_library(vg::${name} ALIAS vg_${name})
    target_include_directories(vg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(vg_${name} PUBLIC ${ARG_DEPS} PRIVATE vg_warnings)
endfunction()
