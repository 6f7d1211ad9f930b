import C8SCoordinator
import Testing

@Suite("Repository URL normalization")
struct RepositoryKeyTests {
    @Test(arguments: [
        ("https://github.com/acme/shop", "github.com/acme/shop"),
        ("https://github.com/acme/shop.git", "github.com/acme/shop"),
        ("https://GitHub.com/Acme/Shop.git/", "github.com/acme/shop"),
        ("https://github.com/acme/shop/", "github.com/acme/shop"),
        ("http://github.com/acme/shop", "github.com/acme/shop"),
        ("https://user:pass@github.com/acme/shop.git", "github.com/acme/shop"),
        ("https://github.com:443/acme/shop", "github.com/acme/shop"),
        ("git@github.com:acme/shop.git", "github.com/acme/shop"),
        ("git@github.com:acme/shop", "github.com/acme/shop"),
        ("GIT@GITHUB.COM:ACME/SHOP.GIT", "github.com/acme/shop"),
        ("ssh://git@github.com/acme/shop", "github.com/acme/shop"),
        ("ssh://git@github.com:22/acme/shop.git", "github.com/acme/shop"),
        ("git://github.com/acme/shop.git", "github.com/acme/shop"),
        ("  https://github.com/acme/shop.git  ", "github.com/acme/shop"),
        ("https://github.com/acme/shop.git?x=1#readme", "github.com/acme/shop"),
        ("https://github.com//acme//shop", "github.com/acme/shop"),
        ("github.com/acme/shop", "github.com/acme/shop"),
        ("https://gitlab.example.com/acme/platform/shop.git", "gitlab.example.com/acme/platform/shop"),
        ("git@gitlab.example.com:acme/platform/shop.git", "gitlab.example.com/acme/platform/shop"),
        ("ssh://git@gitea.example.com:2222/gitea/shop.git", "gitea.example.com/gitea/shop"),
        ("https://gitea.example.com:3000/gitea/shop", "gitea.example.com/gitea/shop"),
        ("https://bitbucket.example.com/scm/acme/shop.git", "bitbucket.example.com/scm/acme/shop"),
    ])
    func normalizes(url: String, key: String) {
        #expect(RepositoryKey(url)?.rawValue == key)
    }

    @Test(arguments: ["", "https://", "https:///acme/shop", "github.com", "git@github.com:", "https://host:99999/a/b"])
    func rejects(url: String) {
        #expect(RepositoryKey(url) == nil)
    }

    @Test func bitbucketDataCenterAliases() {
        let fromClone = RepositoryKey.candidates(for: "https://bitbucket.example.com/scm/ACME/shop.git")
        let fromSSH = RepositoryKey.candidates(for: "ssh://git@bitbucket.example.com:7999/acme/shop.git")
        let fromBrowse = RepositoryKey.candidates(for: "https://bitbucket.example.com/projects/ACME/repos/shop/browse")
        let alias = RepositoryKey("bitbucket.example.com/acme/shop")!
        #expect(fromClone.contains(alias))
        #expect(fromSSH.first == alias)
        #expect(fromBrowse.contains(alias))
    }

    @Test func referenceKeysCoverEveryURL() {
        let reference = RepositoryReference(
            fullName: "acme/shop", cloneURL: "https://github.com/Acme/Shop.git", sshURL: "git@github.com:acme/shop.git",
            webURL: "https://github.com/acme/shop")
        #expect(reference.keys.map(\.rawValue) == ["github.com/acme/shop"])
    }
}
