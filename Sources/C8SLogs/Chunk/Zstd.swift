import CZstd
import Synchronization

/// A reusable zstd compression context producing independent single frames (with content size and checksum).
///
/// The context and the output buffer are reused across calls; a mutex makes the (rare) shared use from copies of a
/// ``Chunker`` safe. Output depends only on the input and the level.
package final class ZstdCompressor: Sendable {
    private struct State: ~Copyable, @unchecked Sendable {
        var context: OpaquePointer
        var scratch: UnsafeMutableRawBufferPointer
        deinit {
            ZSTD_freeCCtx(context)
            scratch.deallocate()
        }
    }

    package let level: Int32
    private let state: Mutex<State>

    package init(level: Int32) {
        self.level = level
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx: out of memory") }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 1)
        state = Mutex(State(context: context, scratch: .allocate(byteCount: 0, alignment: 16)))
    }

    /// Compresses `input` into one zstd frame.
    package func compress(_ input: UnsafeRawBufferPointer, name: String) throws(ChunkError) -> [UInt8] {
        let result: Result<[UInt8], ChunkError> = state.withLock { state in
            let bound = ZSTD_compressBound(input.count)
            if state.scratch.count < bound {
                state.scratch.deallocate()
                state.scratch = .allocate(byteCount: bound, alignment: 16)
            }
            let written = ZSTD_compress2(
                state.context, state.scratch.baseAddress, bound, input.baseAddress, input.count)
            if ZSTD_isError(written) != 0 {
                ZSTD_CCtx_reset(state.context, ZSTD_reset_session_only)
                return .failure(.zstd("compression", name: name, message: String(cString: ZSTD_getErrorName(written))))
            }
            return .success(Array(UnsafeRawBufferPointer(rebasing: state.scratch[0..<written])))
        }
        return try result.get()
    }
}

/// A reusable zstd decompression context.
package final class ZstdDecompressor: Sendable {
    private struct State: ~Copyable, @unchecked Sendable {
        var context: OpaquePointer
        deinit { ZSTD_freeDCtx(context) }
    }

    private let state: Mutex<State>

    package init() {
        guard let context = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx: out of memory") }
        state = Mutex(State(context: context))
    }

    /// Decompresses one frame that records its content size.
    ///
    /// - Parameter limit: refuse frames that claim more than this many bytes.
    package func decompress(_ input: [UInt8], name: String, limit: Int = 1 << 30) throws(ChunkError) -> [UInt8] {
        let result: Result<[UInt8], ChunkError> = input.withUnsafeBytes { src in
            let size = ZSTD_getFrameContentSize(src.baseAddress, src.count)
            if size == c8s_zstd_contentsize_error() {
                return .failure(.zstd("decompression", name: name, message: "not a zstd frame"))
            }
            if size == c8s_zstd_contentsize_unknown() { return .failure(.unknownContentSize(name: name)) }
            guard size <= UInt64(limit) else {
                return .failure(.zstd("decompression", name: name, message: "content size \(size) exceeds \(limit)"))
            }
            return state.withLock { state in
                var failure: ChunkError?
                let out = [UInt8](unsafeUninitializedCapacity: Int(size)) { buffer, count in
                    let n = ZSTD_decompressDCtx(
                        state.context, buffer.baseAddress, Int(size), src.baseAddress, src.count)
                    if ZSTD_isError(n) != 0 {
                        failure = .zstd("decompression", name: name, message: String(cString: ZSTD_getErrorName(n)))
                        count = 0
                    } else {
                        count = n
                    }
                }
                if let failure { return .failure(failure) }
                return .success(out)
            }
        }
        return try result.get()
    }
}
