import AsyncHTTPClient
import Foundation
import NIOCore

/// One change seen by a watch.
public enum WatchEvent<R: KubeResource>: Sendable {
    case added(R)
    case modified(R)
    case deleted(R)
    /// The server's progress marker: every change up to this resourceVersion has been sent.
    case bookmark(resourceVersion: String)

    /// The resourceVersion the event carries.
    public var resourceVersion: String? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): object.metadata.resourceVersion
        case .bookmark(let version): version
        }
    }
}

extension KubeClient {
    /// Opens a watch (`?watch=true`) and returns its events as they arrive. The sequence ends when the server
    /// ends the stream (its `timeoutSeconds` or a restart: watch again from the last resourceVersion seen); an
    /// ERROR event throws its `KubeError` (`.gone` when the resourceVersion is too old: list again).
    public func watch<R: KubeResource>(
        _ type: R.Type, namespace: String? = nil, allNamespaces: Bool = false, options: ListOptions = ListOptions()
    ) async throws -> WatchSequence<R> {
        let namespace = allNamespaces ? nil : resolvedNamespace(R.self, namespace)
        let path = path(R.self, namespace: namespace)
        var query = [("watch", "true")]
        var options = options
        options.limit = nil
        options.continueToken = nil
        query += options.queryItems
        let (response, label) = try await open(.GET, path, query: query)
        return WatchSequence(body: response.body, request: label)
    }
}

/// The events of one watch response, decoded line by line.
public struct WatchSequence<R: KubeResource>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<R>
    let body: HTTPClientResponse.Body
    let request: String

    public func makeAsyncIterator() -> Iterator {
        Iterator(body: body.makeAsyncIterator(), request: request)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        let request: String
        var buffer: [UInt8] = []
        /// Where the next line starts in `buffer`.
        var start = 0
        /// How far `buffer` has been searched for a newline.
        var scanned = 0
        var finished = false

        public mutating func next() async throws -> WatchEvent<R>? {
            while true {
                if let newline = buffer[Swift.max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[start..<newline]
                    start = newline + 1
                    scanned = start
                    if start > 65_536, start * 2 > buffer.count {
                        buffer.removeSubrange(..<start)
                        start = 0
                        scanned = 0
                    }
                    if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
                    return try WatchLine.decode(R.self, line: Array(line), request: request)
                }
                scanned = buffer.count
                if finished {
                    let line = buffer[start...]
                    buffer = []
                    start = 0
                    scanned = 0
                    guard !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) else { return nil }
                    return try WatchLine.decode(R.self, line: Array(line), request: request)
                }
                let chunk: ByteBuffer?
                do {
                    chunk = try await body.next()
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    throw KubeError.transport(request: request, error)
                }
                if let chunk {
                    buffer.append(contentsOf: chunk.readableBytesView)
                } else {
                    finished = true
                }
            }
        }
    }
}

/// The decoding of one watch line: `{"type": "...", "object": {...}}`.
package enum WatchLine {
    private struct Header: Decodable {
        var type: String
        var object: JSONValue?
    }

    private struct Typed<R: KubeResource>: Decodable {
        var object: R
    }

    package static func decode<R: KubeResource>(_ type: R.Type, line: [UInt8], request: String) throws
        -> WatchEvent<R>
    {
        let data = Data(line)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw KubeError.decoding(request: request, error)
        }
        switch header.type {
        case "ADDED", "MODIFIED", "DELETED":
            var object: R
            do {
                object = try JSONDecoder().decode(Typed<R>.self, from: data).object
            } catch {
                throw KubeError.decoding(request: request, error)
            }
            object.unknownFields = UnknownFields(header.object ?? .null)
            switch header.type {
            case "ADDED": return .added(object)
            case "MODIFIED": return .modified(object)
            default: return .deleted(object)
            }
        case "BOOKMARK":
            let version = header.object?["metadata"]?["resourceVersion"]?.stringValue ?? ""
            return .bookmark(resourceVersion: version)
        case "ERROR":
            let status =
                (try? KubeCodec.encode(header.object ?? .null)).flatMap {
                    try? JSONDecoder().decode(Status.self, from: $0)
                } ?? Status(message: "watch error without a Status", code: 500)
            throw KubeError.watchError(request: request, status: status)
        default:
            throw KubeError.decoding(
                request: request, WatchDecodingError(message: "unknown watch event type \(header.type)"))
        }
    }

    struct WatchDecodingError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
