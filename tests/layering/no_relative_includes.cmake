# cmake -DROOT=lib -P no_relative_includes.cmake: fails naming every file of ROOT that
# includes a header by a path that climbs out of its folder ("../x/y.hpp").
file(GLOB_RECURSE files ${ROOT}/*.cpp ${ROOT}/*.hpp)
set(found "")
foreach(file IN LISTS files)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]*\\.\\./")
  if(lines)
    list(APPEND found "${file}: ${lines}")
  endif()
endforeach()
if(found)
  list(JOIN found "\n" found)
  message(FATAL_ERROR "includes by relative path step around the layers:\n${found}")
endif()
