import ArgumentParser

/// `c8s completion bash|zsh|fish`: prints the shell completion script.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the shell completion script.",
        discussion: """
            bash: c8s completion bash > /etc/bash_completion.d/c8s   (or: source <(c8s completion bash))
            zsh:  c8s completion zsh > "${fpath[1]}/_c8s"
            fish: c8s completion fish > ~/.config/fish/completions/c8s.fish
            """)

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: String

    func validate() throws {
        guard CompletionShell(rawValue: shell) != nil else {
            throw ValidationError("unknown shell \"\(shell)\": use bash, zsh or fish")
        }
    }

    func run() throws {
        print(C8S.completionScript(for: CompletionShell(rawValue: shell)!), terminator: "")
    }
}
