import C8SCommon
import Logging

/// A ``LogStore`` in an S3 bucket, through libcurl with its built-in SigV4 signing.
///
/// Requests run on ``CurlExecutor`` threads. Failures that may pass (5xx, 429, connection errors, timeouts) are
/// retried with exponential backoff; 4xx never is. Objects above the multipart threshold are uploaded in parts.
/// With a spool directory configured, a put that still cannot reach S3 after its retries is written to the on-disk
/// spool and reported as ``PutOutcome/spooled``; later puts queue behind it so the order is kept, and ``run()``
/// (or ``drainSpool()``) uploads the spool in order once S3 answers again.
///
/// Signing: libcurl's `CURLOPT_AWS_SIGV4` (`aws:amz:REGION:s3`) signs every request. The client sends
/// `x-amz-content-sha256: UNSIGNED-PAYLOAD` itself (S3 and SeaweedFS require the header; libcurl 7.88 signs with a
/// value given this way rather than hashing the body), and never sends an empty header such as `Expect:` to disable
/// one, because libcurl would sign it without sending it. Query strings are built already sorted and URI-encoded
/// (and `?uploads=` rather than `?uploads`), since libcurl 7.88 signs the query as given.
public final class S3LogStore: LogStore {
    public let configuration: S3Configuration
    private let credentials: S3Credentials
    private let executor: CurlExecutor
    private let spool: S3Spool?
    private let spoolSignal: AsyncStream<Void>
    private let logger: Logger

    /// - Throws: when the credentials cannot be read.
    public init(configuration: S3Configuration, logger: Logger = Logger(label: "c8s.logs.s3")) throws {
        self.configuration = configuration
        self.credentials = try configuration.credentials.resolve()
        self.executor = configuration.workerThreads == 4 ? .shared : CurlExecutor(threads: configuration.workerThreads)
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.spoolSignal = stream
        if let directory = configuration.spoolDirectory {
            let spool = S3Spool(directory: directory, maxBytes: configuration.spoolMaxBytes, signal: continuation)
            self.spool = spool
            continuation.yield()  // drain what a previous process left
        } else {
            self.spool = nil
        }
    }

    // MARK: LogStore

    @discardableResult
    public func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        try validateStoreKey(key, method: "PUT")
        if let spool, await !spool.isEmpty {
            try await spool.append(key: key, data: data)
            return .spooled
        }
        do {
            try await upload(key, data)
            return .stored
        } catch let error as LogStoreError where error.isRetryable && spool != nil {
            logger.warning(
                "S3 unreachable; spooling",
                metadata: ["s3.request": "\(error.request ?? key)", "error.message": "\(error)"])
            try await spool!.append(key: key, data: data)
            return .spooled
        }
    }

    public func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
        try validateStoreKey(key, method: "GET")
        if let spool, let spooled = try await spool.latest(key: key) {
            guard let range else { return spooled }
            let lower = min(max(range.lowerBound, 0), spooled.count)
            return Array(spooled[lower..<min(max(range.upperBound, lower), spooled.count)])
        }
        var headers: [String] = []
        if let range {
            if range.isEmpty { return [] }
            headers.append("Range: bytes=\(range.lowerBound)-\(range.upperBound - 1)")
        }
        let response = try await send("GET", key: key, headers: headers, accept: [200, 206, 404, 416])
        switch response.status {
        case 404: return nil
        case 416: return []
        default: return response.body
        }
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        var result: [StoredObject] = []
        var token: String?
        let fullPrefix = configuration.prefix + prefix
        repeat {
            var query = [("list-type", "2"), ("prefix", fullPrefix), ("max-keys", String(configuration.listPageSize))]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: nil, query: query, requestName: "LIST \(prefix)")
            let page = S3XML.parseListPage(String(decoding: response.body, as: UTF8.self)[...])
            for object in page.objects where object.key.hasPrefix(configuration.prefix) {
                result.append(
                    StoredObject(key: String(object.key.dropFirst(configuration.prefix.count)), size: object.size))
            }
            token = page.isTruncated ? page.nextContinuationToken : nil
            if page.isTruncated && token == nil {
                throw LogStoreError(
                    .http, request: "LIST \(prefix)", status: response.status,
                    message: "truncated listing without a NextContinuationToken")
            }
        } while token != nil
        result.sort { $0.key < $1.key }
        return result
    }

    public func delete(_ key: String) async throws {
        try validateStoreKey(key, method: "DELETE")
        _ = try await send("DELETE", key: key, accept: [200, 204, 404])
    }

    // MARK: Bucket and spool

    /// Creates the bucket (succeeds if this account already owns it).
    public func createBucket() async throws {
        let response = try await send("PUT", key: nil, body: [], accept: [200, 409], requestName: "PUT bucket")
        if response.status == 409 {
            let code = S3XML.first("Code", in: String(decoding: response.body, as: UTF8.self)[...])
            if code != "BucketAlreadyOwnedByYou" { throw error(for: response, requestName: "PUT bucket") }
        }
    }

    /// Number of puts waiting in the spool.
    public func spooledCount() async -> Int { await spool?.count ?? 0 }

    /// Uploads the spooled puts in order, stopping at the first that fails (which stays first in the spool).
    /// Returns at once if another drain is running.
    public func drainSpool() async throws {
        guard let spool, await spool.beginDrain() else { return }
        do {
            while let (entry, data) = try await spool.first() {
                try await upload(entry.key, data)
                try await spool.removeFirst(entry.sequence)
            }
        } catch {
            await spool.endDrain()
            throw error
        }
        await spool.endDrain()
    }

    /// Returns once the spool is empty (immediately when there is none).
    public func waitUntilSpoolDrained() async {
        await spool?.waitUntilEmpty()
    }

    /// Drains the spool in the background until the task is cancelled: whenever puts are spooled, retries them in
    /// order with exponential backoff. Run it once per store, e.g. in a task group or as part of a service.
    public func run() async {
        guard spool != nil else { return }
        for await _ in spoolSignal {
            var attempt = 0
            while !Task.isCancelled {
                do {
                    try await drainSpool()
                    break
                } catch {
                    attempt += 1
                    logger.debug(
                        "spool drain failed", metadata: ["error.message": "\(error)", "spool.attempt": "\(attempt)"])
                    try? await Task.sleep(for: backoff.jitteredDelay(attempt: attempt))
                }
            }
        }
    }

    // MARK: Requests

    private func upload(_ key: String, _ data: [UInt8]) async throws {
        if data.count > configuration.multipartThreshold {
            try await multipartUpload(key, data)
        } else {
            _ = try await send("PUT", key: key, body: data)
        }
    }

    private func multipartUpload(_ key: String, _ data: [UInt8]) async throws {
        let created = try await send(
            "POST", key: key, query: [("uploads", "")], body: [], requestName: "POST \(key) (create multipart upload)")
        guard let uploadID = S3XML.first("UploadId", in: String(decoding: created.body, as: UTF8.self)[...]) else {
            throw LogStoreError(
                .http, request: "POST \(key) (create multipart upload)", status: created.status,
                message: "response has no UploadId")
        }
        do {
            var parts: [(Int, String)] = []
            var offset = 0
            var number = 1
            while offset < data.count {
                let end = min(offset + configuration.partSize, data.count)
                let response = try await send(
                    "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                    body: Array(data[offset..<end]), requestName: "PUT \(key) (part \(number))")
                guard let etag = response.headers["etag"] else {
                    throw LogStoreError(
                        .http, request: "PUT \(key) (part \(number))", status: response.status,
                        message: "response has no ETag")
                }
                parts.append((number, etag))
                offset = end
                number += 1
            }
            var xml = "<CompleteMultipartUpload>"
            for (number, etag) in parts {
                xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let name = "POST \(key) (complete multipart upload)"
            let response = try await send(
                "POST", key: key, query: [("uploadId", uploadID)], body: Array(xml.utf8),
                headers: ["Content-Type: application/xml"], requestName: name)
            // CompleteMultipartUpload may fail with 200 and an Error body.
            if String(decoding: response.body, as: UTF8.self).contains("<Error>") {
                throw error(
                    for: HTTPResponse(status: 500, headers: response.headers, body: response.body), requestName: name)
            }
        } catch {
            _ = try? await send(
                "DELETE", key: key, query: [("uploadId", uploadID)], accept: [200, 204, 404],
                requestName: "DELETE \(key) (abort multipart upload)")
            throw error
        }
    }

    /// Sends one request with retries; returns the response if its status is in `accept`, else throws.
    private func send(
        _ method: String, key: String?, query: [(String, String)] = [], body: [UInt8]? = nil, headers: [String] = [],
        accept: Set<Int> = [200, 204], requestName: String? = nil
    ) async throws -> HTTPResponse {
        let name = requestName ?? "\(method) \(key ?? "")"
        var request = HTTPRequest(method: method, url: url(key: key, query: query), name: name)
        request.headers = headers + ["x-amz-content-sha256: UNSIGNED-PAYLOAD"]
        if let body, method == "PUT" || method == "POST" { request.body = body }
        request.awsSigV4 = "aws:amz:\(configuration.region):s3"
        request.userPassword = "\(credentials.accessKeyID):\(credentials.secretAccessKey)"
        request.connectTimeoutMillis = configuration.connectTimeoutMillis
        request.timeoutMillis = configuration.requestTimeoutMillis
        var attempt = 0
        while true {
            attempt += 1
            let failure: LogStoreError
            switch await executor.perform(request) {
            case .success(let response):
                if accept.contains(response.status) { return response }
                failure = error(for: response, requestName: name)
            case .failure(let error):
                failure = error
            }
            guard failure.isRetryable, attempt < configuration.maxAttempts, !Task.isCancelled else { throw failure }
            logger.debug("retrying S3 request", metadata: ["s3.request": "\(name)", "error.message": "\(failure)"])
            try await Task.sleep(for: backoff.jitteredDelay(attempt: attempt))
        }
    }

    private var backoff: Backoff {
        Backoff(
            initial: .milliseconds(configuration.initialBackoffMillis),
            maximum: .milliseconds(configuration.maxBackoffMillis))
    }

    private func error(for response: HTTPResponse, requestName: String) -> LogStoreError {
        let text = String(decoding: response.body.prefix(64 << 10), as: UTF8.self)[...]
        let code = S3XML.first("Code", in: text)
        let message = S3XML.first("Message", in: text) ?? (response.status == 404 ? "not found" : "unexpected response")
        return LogStoreError(.http, request: requestName, status: response.status, s3Code: code, message: message)
    }

    private func url(key: String?, query: [(String, String)]) -> String {
        var path = ""
        if configuration.pathStyle { path = "/" + PercentEncoding.encode(configuration.bucket) }
        if let key { path += "/" + PercentEncoding.encode(configuration.prefix + key, keepingSlash: true) }
        var base = configuration.endpoint
        if !configuration.pathStyle, let schemeEnd = base.range(of: "://") {
            let scheme = String(base[..<schemeEnd.upperBound])
            let host = String(base[schemeEnd.upperBound...])
            base = scheme + configuration.bucket + "." + host
        }
        if path.isEmpty { path = "/" }
        guard !query.isEmpty else { return base + path }
        // Sorted and encoded as SigV4's canonical query string, so libcurl signs exactly what the server checks.
        var pairs: [(name: String, value: String)] = []
        for (name, value) in query {
            pairs.append((PercentEncoding.encode(name), PercentEncoding.encode(value)))
        }
        pairs.sort { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name != b.name ? a.name < b.name : a.value < b.value
        }
        let encoded = pairs.map { $0.name + "=" + $0.value }.joined(separator: "&")
        return base + path + "?" + encoded
    }

}
