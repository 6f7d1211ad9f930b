/// A chunk, index or completion marker could not be built or read.
public struct ChunkError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Hashable, Sendable {
        case malformedRecord(name: String, line: Int)
        case zstd(operation: String, name: String, message: String)
        case unknownContentSize(name: String)
        case malformedJSON(name: String, message: String)
        case indexConflict(name: String, message: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    static func malformedRecord(name: String, line: Int) -> ChunkError {
        .init(.malformedRecord(name: name, line: line))
    }
    static func zstd(_ operation: String, name: String, message: String) -> ChunkError {
        .init(.zstd(operation: operation, name: name, message: message))
    }
    static func unknownContentSize(name: String) -> ChunkError { .init(.unknownContentSize(name: name)) }
    static func malformedJSON(name: String, message: String) -> ChunkError {
        .init(.malformedJSON(name: name, message: message))
    }
    static func indexConflict(name: String, message: String) -> ChunkError {
        .init(.indexConflict(name: name, message: message))
    }

    public var description: String {
        switch code {
        case .malformedRecord(let name, let line):
            return "\(name): line \(line) is not a log record '<RFC 3339 timestamp> <stdout|stderr> <F|P> <text>'"
        case .zstd(let operation, let name, let message):
            return "\(name): zstd \(operation) failed: \(message)"
        case .unknownContentSize(let name):
            return "\(name): the zstd frame does not record its content size (not a c8s chunk?)"
        case .malformedJSON(let name, let message):
            return "\(name): \(message)"
        case .indexConflict(let name, let message):
            return "\(name): \(message)"
        }
    }
}
