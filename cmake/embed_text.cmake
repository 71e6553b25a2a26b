# Writes OUT: a C++ file defining `const char NAME[]` holding the text of IN.
file(READ ${IN} text)
file(WRITE ${OUT} "// Generated from ${IN} by cmake/embed_text.cmake. Do not edit.\n")
file(APPEND ${OUT} "namespace modelgate {\nextern const char ${NAME}[];\n")
file(APPEND ${OUT} "const char ${NAME}[] = R\"MGTEXT(${text})MGTEXT\";\n}  // namespace modelgate\n")
