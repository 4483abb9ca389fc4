// Fuzz_asa: libFuzzer entry point for the asa vendor parser (built by Fuzz/vendors/run.sh).
import VendorParsers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzzOne(.asa, data, size) }
