/*
 * source.h - where the source tree is, for unit tests that read files from it
 * (examples/, bench/programs/). The build passes FDL_TEST_SOURCE_DIR; the
 * environment variable FDL_SOURCE_DIR overrides it (a moved checkout).
 */
#ifndef FDL_TEST_SOURCE_H
#define FDL_TEST_SOURCE_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FDL_TEST_SOURCE_DIR
#define FDL_TEST_SOURCE_DIR "."
#endif

/* Writes the path of relative (to the source tree root) into out; "" if too long. */
static inline void source_path(const char *relative, char *out, size_t cap)
{
    const char *root = getenv("FDL_SOURCE_DIR");
    if (!root || !*root)
        root = FDL_TEST_SOURCE_DIR;
    if (snprintf(out, cap, "%s/%s", root, relative) >= (int)cap)
        out[0] = '\0';
}

#endif
