#if canImport(Glibc)
import Glibc
#endif

/// A file held open by a follower.
final class TailFile {
    let fd: Int32
    let identity: LogFileIdentity
    var name: String
    var parser: CRIParser
    var readOffset: Int64
    var lastDeliveredLine: Int64

    /// True once anything of the file has been read (or it was resumed from a checkpoint).
    var hasStarted: Bool { readOffset > 0 || parser.lineNumber > 0 }

    init(fd: Int32, identity: LogFileIdentity, name: String, position: TailPosition.Cursor?) {
        self.fd = fd
        self.identity = identity
        self.name = name
        if let position {
            parser = CRIParser(start: position.resume, skipThroughLine: position.lastDeliveredLine)
            readOffset = position.resume.offset
            lastDeliveredLine = position.lastDeliveredLine
        } else {
            parser = CRIParser()
            readOffset = 0
            lastDeliveredLine = 0
        }
    }
}
