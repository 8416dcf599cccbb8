// libFuzzer entry points. The target is chosen by DIARIUM_FUZZ_TARGET (html, xml, email, text,
// tokenizer, query); libFuzzer's own main drives LLVMFuzzerTestOneInput.
import DiariumFuzzing
import FuzzMain
import Foundation

nonisolated(unsafe) var target = "html"

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    target = ProcessInfo.processInfo.environment["DIARIUM_FUZZ_TARGET"] ?? "html"
    guard FuzzTargets.names.contains(target) else {
        FileHandle.standardError.write(Data("DIARIUM_FUZZ_TARGET must be one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(2)
    }
    // Build what the target needs (the query target's index) before fuzzing starts.
    FuzzTargets.run(target, bytes: [])
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTargets.run(target, UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
