import Foundation

/// The root of the c8s source tree this test support was built from (manifests, CRDs, examples, scripts).
public let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
