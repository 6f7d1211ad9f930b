/// The bounds of a pipeline, enforced by the parser and the validator (and therefore by `c8s validate`, the
/// admission webhook and the coordinator before it expands a run). docs/limits.md lists each with its reason.
///
/// Every error about a bound names the bound and the value found, e.g.
/// `steps: 1200 steps; the limit is 1000 (maxSteps)`.
public struct PipelineLimits: Sendable, Hashable {
    /// Largest document, in bytes (1 MiB, well inside etcd's 1.5 MiB object limit).
    public var maxDocumentBytes = 1 << 20
    /// Largest number of nodes that aliases may add (refuses "billion laughs" documents).
    public var maxAliasNodes = 100_000
    /// Deepest nesting of YAML or JSON collections.
    public var maxDepth = 64
    /// Most steps in one pipeline.
    public var maxSteps = 1_000
    /// Most `dependsOn` entries of one step.
    public var maxDependencies = 100
    /// Most commands of one step.
    public var maxCommands = 100
    /// Largest command, in bytes.
    public var maxCommandBytes = 32 * 1024
    /// Largest sum of a step's command sizes, in bytes (they run as one `sh -c` argument, which Linux caps
    /// at 128 KiB).
    public var maxStepCommandBytes = 100 * 1024
    /// Most environment variables of the pipeline, and of each step.
    public var maxEnvEntries = 100
    /// Largest environment variable value, in bytes.
    public var maxEnvValueBytes = 16 * 1024
    /// Most secret references of one step.
    public var maxSecrets = 64
    /// Most artifact paths of one step.
    public var maxArtifacts = 64
    /// Most branch patterns (pipeline `branches`, a step's `when.branches`), events and paths of a `when`.
    public var maxPatterns = 64
    /// Largest name-like string (branch pattern, event, axis name, matrix value, environment variable name), in
    /// bytes; git allows longer ref names, but no forge does and Kubernetes labels hold 63.
    public var maxNameBytes = 255
    /// Largest path-like string (repository URL, image, artifact path, `when.paths` entry), in bytes.
    public var maxPathBytes = 4096
    /// Most matrix axes.
    public var maxMatrixAxes = 16
    /// Most values of one axis, entries of `exclude` and entries of `include`.
    public var maxMatrixEntries = 256
    /// Largest product of the axis sizes before `exclude` (bounds the work of expanding it).
    public var maxMatrixProduct = 4096
    /// Most combinations after `exclude` and `include` (GitHub Actions' limit).
    public var maxMatrixCombinations = 256
    /// Largest JSON encoding of one resolved pipeline, in bytes: the run's status snapshot holds it, and with
    /// the status of every step it must stay inside etcd's 1.5 MiB object limit.
    public var maxResolvedSpecBytes = 512 * 1024
    /// Most errors reported for one file; the rest are counted in a last error.
    public var maxReportedErrors = 100

    /// The limits c8s enforces everywhere.
    public static let standard = PipelineLimits()

    public init() {}
}
