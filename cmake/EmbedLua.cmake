# Script mode (cmake -P): writes OUT, a C++ source that defines
# std::string_view piket::lua::<name>() for each Lua file in FILES (a
# '|'-separated list), returning the file's text as it is. Run at build time by
# piket_embed_lua() (CMakeLists.txt), so an edited .lua file is embedded again.
# Each .lua file is complete as Redis runs it: nothing is joined at run time.
string(REPLACE "|" ";" files "${FILES}")
set(text "// Generated from Lua files by cmake/EmbedLua.cmake; edit the .lua files.\n")
string(APPEND text "#include <string_view>\n\nnamespace piket::lua {\n")
foreach(file IN LISTS files)
  get_filename_component(name "${file}" NAME_WE)
  file(READ "${file}" body)
  if(body MATCHES "\\)piket_lua\"")
    message(FATAL_ERROR "${file} contains the raw-string delimiter )piket_lua\"")
  endif()
  string(APPEND text "\nstd::string_view ${name}() {\n  static constexpr std::string_view s{R\"piket_lua(${body})piket_lua\"};\n  return s;\n}\n")
endforeach()
string(APPEND text "\n}  // namespace piket::lua\n")
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
