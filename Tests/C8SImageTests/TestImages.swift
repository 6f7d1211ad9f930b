import C8STestSupport
import C8SVersion
import Foundation

/// The repository this test target was built from.
let imageRepositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The c8s images the tests run, built once per test run with `scripts/image-build.sh` (the script `make images`
/// uses) from the debug executables next to the test bundle; their root filesystems therefore also hold the Swift
/// runtime libraries those load, where a release image has the runtime linked in.
struct TestImages: Sendable {
    /// The directory of the executables the images were built from.
    let binDirectory: String
    /// The version the executables (and this test bundle) were stamped with; the images' tag.
    let version: BuildVersion
    static let repository = "localhost/c8s-test"
    static let names = ["c8s-coordinator", "c8s-agent", "c8s"]

    /// `localhost/c8s-test/NAME:VERSION`.
    func image(_ name: String) -> String { "\(Self.repository)/\(name):\(version.version)" }

    /// The executable `name` of this build.
    func binary(_ name: String) -> String { binDirectory + "/" + name }

    /// The images, built by the first caller (the suite is serialized, so callers do not overlap).
    static func shared() async throws -> TestImages {
        try await TestImagesCache.shared.images()
    }

    /// Removes the previous run's images, then builds all of them.
    fileprivate static func build() async throws -> TestImages {
        let images = TestImages(binDirectory: try executableDirectory(), version: .current)
        let tags = names.map(images.image)
        _ = try await Podman.run(["rmi", "--force", "--ignore"] + tags)
        let result = try await ChildProcess.run(
            "bash",
            [
                imageRepositoryRoot + "/scripts/image-build.sh", "--bin-dir", images.binDirectory,
                "--version", images.version.version, "--revision", images.version.revision,
                "--repository", repository,
            ] + names,
            timeLimit: .seconds(600))
        guard result.succeeded else {
            throw ImageTestError(
                "scripts/image-build.sh: \(result.termination)\n\(result.outputText)\(result.errorText)")
        }
        return images
    }

    /// Where `swift build` put the executables: the first directory above the test bundle that holds c8s-agent.
    private static func executableDirectory() throws -> String {
        guard let directory = builtProductsDirectory(holding: names) else {
            throw ImageTestError(
                "no directory above the test bundle holds \(names): run `swift build --build-tests` first")
        }
        return directory
    }
}

/// Builds the images once per test process.
private actor TestImagesCache {
    static let shared = TestImagesCache()
    private var built: TestImages?

    func images() async throws -> TestImages {
        if let built { return built }
        let images = try await TestImages.build()
        built = images
        return images
    }
}
