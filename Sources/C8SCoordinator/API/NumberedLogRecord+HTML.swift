import C8SKube
import C8SLogs
import Foundation

extension NumberedLogRecord {
    /// One NDJSON line of the log API's `format=html`:
    /// `{"html":"…","line":N,"stream":"stdout","time":"…"}` where `html` is the text rendered by ``ANSIRenderer``
    /// (escaped; SGR colours as spans).
    func htmlJSONLine() -> [UInt8] {
        let value: C8SKube.JSONValue = [
            "line": .int(lineNumber), "time": .string(ChunkTimestamp.format(record.timestampNanos)),
            "stream": .string(record.stream.rawValue), "html": .string(ANSIRenderer.html(record.text)),
        ]
        var bytes = Array((try? KubeCodec.encode(value)) ?? Data())
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
