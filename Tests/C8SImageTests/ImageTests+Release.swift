import C8STestSupport
import Foundation
import Testing

extension ImageTests {
    /// `scripts/release.sh` (what `make release` runs after `make images`) on the test images: an OCI archive per
    /// image, checksums, and a manifest that pins each image by the digest of its archive's manifest and that
    /// `kubectl apply --server-side` installs on an API server, the CRDs alone first as an upgrade does.
    @Test func releaseManifestPinsTheArchivedImagesAndApplies() async throws {
        let images = try await TestImages.shared()
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("c8s-release-\(UUID().uuidString.prefix(8).lowercased())").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let version = images.version.version
        let release = try await ChildProcess.run(
            "bash",
            [
                imageRepositoryRoot + "/scripts/release.sh", "--registry", TestImages.repository, "--version", version,
                "--output", output,
            ],
            timeLimit: .seconds(600))
        try #require(release.succeeded, "release.sh: \(release.termination)\n\(release.outputText)\(release.errorText)")

        let sums = try await ChildProcess.run("sha256sum", ["-c", "SHA256SUMS"], workingDirectory: output)
        #expect(sums.succeeded, "sha256sum -c: \(sums.outputText)\(sums.errorText)")
        let manifestPath = "\(output)/c8s-\(version).yaml"
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        for name in ["c8s-coordinator", "c8s-agent"] {
            let digest = try await archiveManifestDigest("\(output)/\(name)-\(version).oci.tar")
            #expect(manifest.contains("image: \(TestImages.repository)/\(name)@\(digest)\n"), "\(name) is not pinned")
        }
        let named = manifest.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("image: ") }
        #expect(named.count == 2 && named.allSatisfy { $0.contains("@sha256:") }, "\(named)")
        #expect(!manifest.contains(":latest"))

        try await withTestAPIServer { server in
            let kubeconfig = output + "/kubeconfig"
            try server.writeKubeconfig(to: kubeconfig)
            func kubectl(_ arguments: [String]) async throws -> ChildProcessResult {
                try await ChildProcess.run(
                    "kubectl", ["--kubeconfig", kubeconfig] + arguments, timeLimit: .seconds(120))
            }
            let crds = try await kubectl(["apply", "--server-side", "-f", "\(output)/c8s-\(version)-crds.yaml"])
            #expect(crds.succeeded, "apply the CRDs: \(crds.outputText)\(crds.errorText)")
            let established = try await kubectl([
                "wait", "--for=condition=Established", "--timeout=60s", "crd/pipelineconfigs.c8s.dev",
                "crd/pipelineruns.c8s.dev", "crd/repositoryconnections.c8s.dev",
            ])
            #expect(established.succeeded, "wait for the CRDs: \(established.outputText)\(established.errorText)")
            let applied = try await kubectl(["apply", "--server-side", "-f", manifestPath])
            #expect(applied.succeeded, "apply the manifest: \(applied.outputText)\(applied.errorText)")
            for (kind, name) in [("deployment", "c8s-coordinator"), ("daemonset", "c8s-agent")] {
                let image = try await kubectl([
                    "-n", "c8s-system", "get", kind, name, "-o", "jsonpath={.spec.template.spec.containers[0].image}",
                ])
                #expect(image.succeeded, "\(kind) \(name): \(image.errorText)")
                let digest = try await archiveManifestDigest("\(output)/\(name)-\(version).oci.tar")
                #expect(image.outputText == "\(TestImages.repository)/\(name)@\(digest)")
            }
        }
    }

    /// The digest of the image manifest an OCI archive's index names, checked against the manifest's bytes.
    private func archiveManifestDigest(_ archive: String) async throws -> String {
        struct Index: Decodable {
            struct Descriptor: Decodable { var digest: String }
            var manifests: [Descriptor]
        }
        let index = try await ChildProcess.run("tar", ["-xOf", archive, "index.json"], timeLimit: .seconds(60))
        try #require(index.succeeded, "tar index.json of \(archive): \(index.errorText)")
        let decoded = try JSONDecoder().decode(Index.self, from: index.standardOutput)
        let digest = try #require(decoded.manifests.first?.digest, "\(archive): index.json names no manifest")
        let blob = try await ChildProcess.run(
            "tar", ["-xOf", archive, "blobs/sha256/" + digest.dropFirst("sha256:".count)], timeLimit: .seconds(60))
        try #require(blob.succeeded, "tar the manifest of \(archive): \(blob.errorText)")
        let hashed = try await ChildProcess.run("sha256sum", [], standardInput: blob.standardOutput)
        #expect(
            "sha256:" + hashed.outputText.prefix(64) == digest, "\(archive): the manifest does not hash to its digest")
        return digest
    }
}
