// Fuzz_ios: libFuzzer entry point for the ios vendor parser (built by Fuzz/vendors/run.sh).
import VendorParsers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzzOne(.ios, data, size) }
