import Foundation

/// The directory `swift build` put the package's executables in: the first directory above the running test bundle
/// that holds an executable file (not a directory) for every one of `names`; nil when there is none.
public func builtProductsDirectory(holding names: [String]) -> String? {
    let bundle =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? CommandLine.arguments[0]
    var directory = URL(fileURLWithPath: bundle).deletingLastPathComponent()
    while directory.path != "/" {
        let holdsAll = names.allSatisfy { name in
            let path = directory.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: path)
        }
        if holdsAll { return directory.path }
        directory = directory.deletingLastPathComponent()
    }
    return nil
}

/// The path of the package's executable `name` (`c8s`, `c8s-agent`, `c8s-coordinator`, ...) built with the tests:
/// in ``builtProductsDirectory(holding:)``, else `.build/debug/NAME` under the repository root.
public func builtExecutable(_ name: String) -> String {
    (builtProductsDirectory(holding: [name]) ?? repositoryRoot + "/.build/debug") + "/" + name
}
