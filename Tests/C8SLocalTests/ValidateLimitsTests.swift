import Testing

/// The inputs through the real `c8s` binary: refused with the bound named, never a crash.
@Suite struct ValidateLimitsTests {
    @Test func deepAndHugeFilesAreRefusedNamingTheLimit() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000), to: "lists.yaml")
        try cli.write(
            String(repeating: "{a: ", count: 50_000) + "x" + String(repeating: "}", count: 50_000), to: "maps.yaml")
        let axes = (0..<20).map { "  a\($0): [x, y, z]\n" }.joined()
        try cli.write(
            "matrix:\n" + axes + "steps: [{name: a, commands: [\"echo ${{ matrix.a0 }}\"]}]\n", to: "matrix.yaml")
        for file in ["lists.yaml", "maps.yaml"] {
            let result = try cli.run(["validate", file])
            #expect(result.status == 1, "\(file): \(result.stderr)")
            #expect(
                result.stderr.contains("collections are nested more than 64 levels deep; the limit is 64 (maxDepth)"))
        }
        let matrix = try cli.run(["validate", "matrix.yaml"])
        #expect(matrix.status == 1)
        #expect(matrix.stderr.contains("matrix.yaml:2:3: matrix: 20 axes; the limit is 16 (maxMatrixAxes)"))
        #expect(matrix.stderr.contains("3486784401 combinations before exclude; the limit is 4096 (maxMatrixProduct)"))
        let local = try cli.run(["run", "--local", "-f", "matrix.yaml"])
        #expect(local.status == 1)
        #expect(local.stderr.contains("maxMatrixProduct"))
    }
}
