// SwiftPM links a Swift executable with `--defsym main=<module>_main`, and the fuzz driver has
// no Swift main (it is built with -parse-as-library). This defines that symbol and hands over
// to libFuzzer's driver, which parses the flags and calls LLVMFuzzerInitialize and
// LLVMFuzzerTestOneInput (FuzzDriver.swift).
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int diarium_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
