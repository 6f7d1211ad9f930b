import CCurl
import Foundation

/// Runs libcurl's blocking transfers on a few dedicated threads, never on Swift's cooperative thread pool.
///
/// Each worker thread owns one easy handle and reuses it (and its connections) for every request it runs.
package final class CurlExecutor: Sendable {
    private let queue: JobQueue

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// A process-wide executor with four worker threads.
    package static let shared = CurlExecutor(threads: 4)

    package init(threads: Int) {
        _ = Self.globalInit
        queue = JobQueue()
        for i in 0..<max(1, threads) {
            let queue = self.queue
            let thread = Thread {
                let handle = CurlHandle()
                while let job = queue.take() { job(handle) }
            }
            thread.name = "c8s-curl-\(i)"
            thread.start()
        }
    }

    deinit { queue.close() }

    /// Performs `request` on a worker thread.
    package func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, LogStoreError> {
        await withCheckedContinuation { continuation in
            queue.put { handle in continuation.resume(returning: handle.perform(request)) }
        }
    }

    private final class JobQueue: @unchecked Sendable {
        private let condition = NSCondition()
        private var jobs: [@Sendable (CurlHandle) -> Void] = []
        private var head = 0
        private var closed = false

        func put(_ job: @escaping @Sendable (CurlHandle) -> Void) {
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }

        func take() -> (@Sendable (CurlHandle) -> Void)? {
            condition.lock()
            defer { condition.unlock() }
            while head == jobs.count && !closed { condition.wait() }
            if head == jobs.count { return nil }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }

        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// An HTTP request as the S3 client sends it.
package struct HTTPRequest: Sendable {
    package var method: String
    package var url: String
    /// What errors call the request, e.g. `PUT bucket/key`.
    package var name: String
    package var headers: [String] = []
    package var body: [UInt8]? = nil
    package var awsSigV4: String? = nil
    package var userPassword: String? = nil
    package var connectTimeoutMillis: Int = 5000
    package var timeoutMillis: Int = 120_000
}

package struct HTTPResponse: Sendable {
    package var status: Int
    /// Header names lowercased.
    package var headers: [String: String]
    package var body: [UInt8]
}

/// One libcurl easy handle, used by one thread at a time.
final class CurlHandle {
    private let handle: UnsafeMutableRawPointer

    init() {
        guard let h = curl_easy_init() else { fatalError("curl_easy_init failed") }
        handle = h
    }

    deinit { curl_easy_cleanup(handle) }

    private final class Transfer {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        var upload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
        var uploadOffset = 0
    }

    func perform(_ request: HTTPRequest) -> Result<HTTPResponse, LogStoreError> {
        curl_easy_reset(handle)
        let transfer = Transfer()
        let opaque = Unmanaged.passUnretained(transfer).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for header in request.headers { headerList = curl_slist_append(headerList, header) }

        c8s_curl_setopt_string(handle, CURLOPT_URL, request.url)
        c8s_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        c8s_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMillis)
        c8s_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeoutMillis)
        c8s_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        // libcurl announces uploads with "Expect: 100-continue"; an empty "Expect:" header to disable it would be
        // signed but not sent (SigV4 mismatch), so send the body after 10 ms when no "100 Continue" comes.
        c8s_curl_setopt_long(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, 10)
        c8s_curl_setopt_write_callback(handle) { data, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let data { transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n)) }
            return n
        }
        c8s_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque)
        c8s_curl_setopt_header_callback(handle) { data, size, count, user in
            let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            guard let data else { return n }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmedForStore
                transfer.headers[name] = value
            } else if line.hasPrefix("HTTP/") {
                transfer.headers.removeAll()  // a new response (after 100 Continue or a redirect)
            }
            return n
        }
        c8s_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, opaque)
        if let sigv4 = request.awsSigV4 { c8s_curl_setopt_string(handle, CURLOPT_AWS_SIGV4, sigv4) }
        if let userPassword = request.userPassword { c8s_curl_setopt_string(handle, CURLOPT_USERPWD, userPassword) }

        let body = request.body
        let code: CURLcode = withExtendedLifetime(body) {
            switch request.method {
            case "GET":
                c8s_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            case "HEAD":
                c8s_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
            default:
                c8s_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            guard let body else { return curl_easy_perform(handle) }
            return body.withUnsafeBytes { raw in
                transfer.upload = raw
                c8s_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                c8s_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(raw.count))
                c8s_curl_setopt_read_callback(handle) { buffer, size, count, user in
                    let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
                    let n = min(size * count, transfer.upload.count - transfer.uploadOffset)
                    if n > 0, let buffer, let base = transfer.upload.baseAddress {
                        UnsafeMutableRawPointer(buffer).copyMemory(from: base + transfer.uploadOffset, byteCount: n)
                        transfer.uploadOffset += n
                    }
                    return n
                }
                c8s_curl_setopt_pointer(handle, CURLOPT_READDATA, opaque)
                defer { transfer.upload = UnsafeRawBufferPointer(start: nil, count: 0) }
                return curl_easy_perform(handle)
            }
        }
        guard code == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(code))
            return .failure(
                LogStoreError(.transport, request: request.name, message: "\(message) (curl \(code.rawValue))"))
        }
        var status = 0
        c8s_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
    }
}
