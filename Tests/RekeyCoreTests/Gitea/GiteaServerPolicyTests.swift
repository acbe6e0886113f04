import Testing
@testable import RekeyCore

@Suite("https only, unless loopback; printable templates")
struct GiteaServerPolicyTests {
    @Test("https anywhere, and http to loopback, pass", arguments: [
        "https://gitea.example.org", "http://127.0.0.1:3000", "http://127.9.8.7", "http://localhost:8080", "http://[::1]:3000",
    ])
    func allowed(url: String) throws {
        try GiteaServerPolicy.check(url, insecureHTTP: false, field: "gitea.url", optOut: "--insecure-http")
    }

    @Test("http to any other host is refused with exit 78, naming the field and the opt-out", arguments: [
        "http://gitea.example.org", "http://10.0.0.5:3000", "http://127.0.0.1.evil.example", "HTTP://gitea.example.org",
    ])
    func refused(url: String) {
        let error = #expect(throws: InsecureServerURL.self) {
            try GiteaServerPolicy.check(url, insecureHTTP: false, field: "gitea.url in p.yml", optOut: "gitea.insecure_http: true or --insecure-http")
        }
        #expect(error?.exitStatus == .config)
        #expect(error?.description.hasPrefix("gitea.url in p.yml ") == true)
        #expect(error?.description.contains("gitea.insecure_http: true or --insecure-http") == true)
    }

    @Test("the opt-out allows plain http")
    func optOut() throws {
        try GiteaServerPolicy.check("http://gitea.example.org", insecureHTTP: true, field: "gitea.url", optOut: "--insecure-http")
    }

    @Test("a playbook reads gitea.insecure_http and gitea.ca_file")
    func playbookFields() throws {
        let yaml = PlaybookFixture.replacing("  persona: deployer", with: "  persona: deployer\n  insecure_http: true\n  ca_file: /etc/rekey/ca.pem")
        let book = try PlaybookFixture.parse(yaml)
        #expect(book.gitea.insecureHTTP && book.gitea.caFile == "/etc/rekey/ca.pem")
        #expect(try PlaybookFixture.parse(PlaybookFixture.valid).gitea.insecureHTTP == false)
        let notBool = PlaybookFixture.error(PlaybookFixture.replacing("  persona: deployer", with: "  persona: deployer\n  insecure_http: yes please"))
        #expect(notBool?.description.contains("gitea.insecure_http must be true or false") == true)
    }

    /// YAML escapes in a double-quoted value: the parser sees the characters themselves.
    @Test("templates with control, line-break or bidi characters are refused (exit 78)", arguments: [
        #"\u202E"#, #"\u2066"#, #"\u0085"#, #"\u2028"#, #"\e[31m"#, #"\x7F"#, #"\r"#,
    ])
    func unprintableTemplates(bad: String) {
        let yaml = PlaybookFixture.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"",
                                             with: "  comment: \"# deploy \(bad) {token_name}\"")
        let error = PlaybookFixture.error(yaml)
        #expect(error?.exitStatus == .config)
        #expect(error.map { PrintableText.firstUnsafe(in: $0.description) == nil } == true)
        let name = PlaybookFixture.error(PlaybookFixture.replacing("  name: \"deploy-{run}\"", with: "  name: \"deploy\(bad)-{run}\""))
        #expect(name?.exitStatus == .config)
    }
}
