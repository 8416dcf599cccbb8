/* The stored text's compression alone, as a segment does it (docs/benchmarks.md, ninth session):
 * a text cut into 4 KiB blocks, a dictionary of at most 64 KiB trained by zstd's fastCover on the
 * first SAMPLE bytes (default 1 MiB) cut the same way, every block compressed with it (checksum
 * on). Prints the ratio and the CPU seconds of training and of compression.
 *
 *   python3 -c 'import json,sys; [sys.stdout.write(json.loads(l)["text"]) for l in open("/work/bench/docs10k.jsonl")]' > texts.bin
 *   cc -O2 -o store_dictionary store_dictionary.c -lzstd
 *   ./store_dictionary texts.bin LEVEL F ACCEL [train-only]
 *
 * (`train-only` 1: no compression, for counting the training's instructions under callgrind.)
 */
#define ZSTD_STATIC_LINKING_ONLY
#define ZDICT_STATIC_LINKING_ONLY
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zdict.h>
#include <zstd.h>

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s TEXT LEVEL F ACCEL [train-only]\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(n);
    if (fread(text, 1, n, f) != (size_t)n) { perror("read"); return 1; }
    fclose(f);
    int level = atoi(argv[2]), trainOnly = argc > 5 && atoi(argv[5]);
    const size_t block = 4096;
    size_t sample = getenv("SAMPLE") ? (size_t)atol(getenv("SAMPLE")) : 1 << 20;
    if (sample > (size_t)n) sample = n;
    size_t samples = sample / block, *sizes = malloc(samples * sizeof *sizes);
    for (size_t i = 0; i < samples; i++) sizes[i] = block;

    static char dict[64 << 10];
    ZDICT_fastCover_params_t p;
    memset(&p, 0, sizeof p);
    p.k = 200; p.d = 8; p.f = atoi(argv[3]); p.accel = atoi(argv[4]); p.zParams.compressionLevel = level;
    double t0 = cpu();
    size_t dictSize = ZDICT_trainFromBuffer_fastCover(dict, sizeof dict, text, sizes, (unsigned)samples, p);
    double train = cpu() - t0;
    if (ZDICT_isError(dictSize)) { fprintf(stderr, "training failed\n"); return 1; }

    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_CDict *cd = ZSTD_createCDict(dict, dictSize, level);
    ZSTD_CCtx_refCDict(c, cd);
    char *out = malloc(ZSTD_compressBound(block));
    size_t total = 0;
    t0 = cpu();
    for (size_t at = 0; !trainOnly && at < (size_t)n; at += block) {
        size_t len = at + block <= (size_t)n ? block : n - at;
        total += ZSTD_compress2(c, out, ZSTD_compressBound(block), text + at, len);
    }
    double comp = cpu() - t0;
    printf("level %d f %d accel %d dictionary %zu bytes: %ld -> %zu (%.3fx), training %.3f s, compression %.3f s\n",
           level, p.f, p.accel, dictSize, n, total, total ? (double)n / total : 0.0, train, comp);
    return 0;
}
