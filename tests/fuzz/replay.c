/*
 * replay.c - runs the fuzz target over every file in the corpus directories
 * given as arguments, so the corpus is a regression suite on every test run
 * (under ASan/UBSan in the sanitizer build). Prints "N passed, 0 failed":
 * any crash ends the process with the sanitizer's report.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static uint8_t buf[65536 + 1];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

#ifndef FDL_FUZZ_CORPUS
#define FDL_FUZZ_CORPUS "tests/fuzz/corpus"
#endif

int main(int argc, char **argv)
{
    int count = 0;
    static char *default_dirs[] = {NULL, (char *)FDL_FUZZ_CORPUS};
    if (argc < 2) {
        argc = 2;
        argv = default_dirs;
    }
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            printf("0 passed, 1 failed\n");
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (replay_file(path) == 0)
                count++;
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", count);
    printf("%d passed, 0 failed\n", count > 0 ? 1 : 0);
    return count > 0 ? 0 : 1;
}
