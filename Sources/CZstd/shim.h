// ZSTD_createDDict_byReference (a segment's dictionary read in place) is in zstd.h's
// static-linking section; libzstd exports the function.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
// The fastCover trainer's parameter struct (ZDICT_fastCover_params_t) is in zdict.h's
// static-linking section; libzstd exports the function.
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
