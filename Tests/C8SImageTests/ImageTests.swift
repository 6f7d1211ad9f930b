import C8STestSupport
import C8SVersion
import Foundation
import Testing

/// The c8s images as podman builds and runs them: their configuration, their file system, and (in
/// ImageTests+Installation.swift) a whole installation of containers running the diamond pipeline. Serialized:
/// the images are built once, by the first test.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ImageTests {
    @Test func imagesRunAsNonRootWithLabelsAndTheStampedVersion() async throws {
        let images = try await TestImages.shared()
        for name in TestImages.names {
            let image = images.image(name)
            let inspected = try await Podman.output([
                "image", "inspect", "--format",
                "{{.Config.User}}|{{json .Config.Entrypoint}}|{{index .Labels \"org.opencontainers.image.version\"}}|"
                    + "{{index .Labels \"org.opencontainers.image.revision\"}}|"
                    + "{{index .Labels \"org.opencontainers.image.source\"}}",
                image,
            ]).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false)
            #expect(inspected.count == 5, "\(inspected)")
            guard inspected.count == 5 else { continue }
            #expect(inspected[0] == "65532:65532", "\(image) user")
            #expect(inspected[1] == "[\"/usr/local/bin/\(name)\"]", "\(image) entrypoint")
            #expect(inspected[2] == images.version.version, "\(image) version label")
            #expect(inspected[3] == images.version.revision, "\(image) revision label")
            #expect(inspected[4].hasPrefix("https://"), "\(image) source label")

            // --version in the container, read-only and without capabilities, prints what the executable
            // prints on the host.
            let host = try await ChildProcess.run(images.binary(name), ["--version"], timeLimit: .seconds(30))
            #expect(host.succeeded, "\(name) --version on the host: \(host.errorText)")
            let contained = try await Podman.output(
                ["run", "--rm"] + Podman.runFlags + Podman.lockedDown + [image, "--version"])
            #expect(contained == host.outputText, "\(image) --version")
            #expect(contained.trimmingCharacters(in: .newlines) == images.version.description)
        }
    }

    @Test func rootFilesystemHoldsTheExecutableItsLibrariesAndTheUser() async throws {
        let images = try await TestImages.shared()
        let image = images.image("c8s-agent")
        // The image has no shell or ls: export its file system and list the archive.
        let container = "c8s-image-test-export-\(UUID().uuidString.prefix(8).lowercased())"
        try await Podman.output(["create", "--name", container, image])
        let archive = FileManager.default.temporaryDirectory.appendingPathComponent("\(container).tar").path
        defer { try? FileManager.default.removeItem(atPath: archive) }
        do {
            try await Podman.output(["export", "--output", archive, container])
            try await Podman.output(["rm", container])
        } catch {
            _ = try? await Podman.run(["rm", "--force", container])
            throw error
        }
        let listing = try await ChildProcess.run("tar", ["-tf", archive], timeLimit: .seconds(60))
        #expect(listing.succeeded, "\(listing.errorText)")
        let files = Set(
            listing.outputText.split(separator: "\n").map { String($0.hasSuffix("/") ? $0.dropLast() : $0) })
        for expected in [
            "usr/local/bin/c8s-agent", "etc/passwd", "etc/group", "etc/nsswitch.conf",
            "etc/ssl/certs/ca-certificates.crt", "tmp", "home/nonroot", "lib64/ld-linux-x86-64.so.2",
        ] {
            #expect(files.contains(expected), "\(image) lacks /\(expected)")
        }
        // The libraries are exactly the ones ldd resolves for the executable, no more and no fewer.
        let ldd = try await ChildProcess.run("ldd", [images.binary("c8s-agent")], timeLimit: .seconds(30))
        let wanted = Set(
            ldd.outputText.split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(whereSeparator: \.isWhitespace)
                if fields.count >= 3, fields[1] == "=>", fields[2].hasPrefix("/") {
                    return String(fields[2].dropFirst())
                }
                if let first = fields.first, first.hasPrefix("/") { return String(first.dropFirst()) }
                return nil
            })
        let sharedObjects = files.filter { $0.contains(".so") }
        #expect(
            sharedObjects == wanted,
            "extra: \(sharedObjects.subtracting(wanted)), missing: \(wanted.subtracting(sharedObjects))")
        for required in ["libcurl", "libyaml", "liburing", "libzstd"] {
            #expect(sharedObjects.contains { $0.contains("/\(required)") }, "\(required) is not in the image")
        }
        // Only root and the user the image runs as; no shell to log in with.
        let extract = try await ChildProcess.run("tar", ["-xOf", archive, "etc/passwd"], timeLimit: .seconds(30))
        #expect(
            extract.outputText == """
                root:x:0:0:root:/root:/sbin/nologin
                nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin

                """)
        #expect(!files.contains("bin/sh") && !files.contains("usr/bin/env"))
    }

    @Test func kustomizationsNameTheImagesAtTheVersionInTheVersionFile() async throws {
        let version = try String(contentsOfFile: imageRepositoryRoot + "/VERSION", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(BuildVersion.isValidField(version), "VERSION: \(version)")
        for (directory, name) in [("deploy", "c8s-coordinator"), ("daemonset", "c8s-agent")] {
            let rendered = try await ChildProcess.run(
                "kubectl", ["kustomize", imageRepositoryRoot + "/" + directory], timeLimit: .seconds(60))
            #expect(rendered.succeeded, "kubectl kustomize \(directory): \(rendered.errorText)")
            let images = rendered.outputText.split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("image: ") }
            #expect(images == ["image: ghcr.io/c8s-dev/\(name):\(version)"], "\(directory): \(images)")
        }
        let e2e = try String(contentsOfFile: imageRepositoryRoot + "/config/e2e/images.env", encoding: .utf8)
        #expect(e2e.contains("C8S_E2E_COORDINATOR_IMAGE=ghcr.io/c8s-dev/c8s-coordinator:\(version)\n"))
        #expect(e2e.contains("C8S_E2E_AGENT_IMAGE=ghcr.io/c8s-dev/c8s-agent:\(version)\n"))
    }
}
