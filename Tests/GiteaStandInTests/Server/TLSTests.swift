import AsyncHTTPClient
import Foundation
import GiteaStandIn
import NIOCore
import NIOSSL
import Testing
import TestSupport

@Suite("https with --tls-cert/--tls-key")
struct TLSTests {
    /// A client that trusts only `certificate`, as rekey with `--ca-file` would.
    static func client(trusting certificate: SelfSignedCertificate) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate.certificatePath)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    static func version(_ url: String, with client: HTTPClient) async throws -> (Int, String) {
        let response = try await client.execute(HTTPClientRequest(url: url + "/api/v1/version"), timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test("in-process: an https URL, answered for a client trusting the certificate, refused by default trust")
    func inProcess() async throws {
        let certificate = try SelfSignedCertificate()
        let server = GiteaStandIn(
            users: [alice],
            tls: .init(certificatePath: certificate.certificatePath, privateKeyPath: certificate.keyPath))
        let url = try await server.start()
        let client = Self.client(trusting: certificate)
        do {
            #expect(url.hasPrefix("https://127.0.0.1:"))
            let (status, body) = try await Self.version(url, with: client)
            #expect(status == 200)
            #expect(body.contains(GiteaStandIn.defaultVersion))
            // curl as an oracle: with the system trust store it refuses the certificate (exit 60),
            // with --cacert it accepts it.
            let untrusted = try await ProcessRunner.run("/usr/bin/curl", ["-sS", url + "/api/v1/version"], environment: [:])
            #expect(untrusted.status == 60, "curl: \(untrusted.stderr)")
            let trusted = try await ProcessRunner.run(
                "/usr/bin/curl", ["-sS", "--cacert", certificate.certificatePath, url + "/api/v1/version"], environment: [:])
            #expect(trusted.status == 0)
            #expect(trusted.stdout.contains(GiteaStandIn.defaultVersion))
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
        try await client.shutdown()
        await server.stop()
    }

    @Test("the executable prints an https URL first and serves the token API over TLS")
    func executable() async throws {
        let certificate = try SelfSignedCertificate()
        let standIn = try await StandInProcess([
            "--user", "alice:alice-pw", "--tls-cert", certificate.certificatePath, "--tls-key", certificate.keyPath,
        ])
        let client = Self.client(trusting: certificate)
        var request = HTTPClientRequest(url: standIn.url + "/api/v1/users/alice/tokens")
        request.headers.add(name: "Authorization", value: "Basic " + Data("alice:alice-pw".utf8).base64EncodedString())
        let listed = try? await client.execute(request, timeout: .seconds(20))
        try await client.shutdown()
        _ = try await standIn.stop()
        #expect(standIn.url.hasPrefix("https://127.0.0.1:"))
        #expect(listed?.status.code == 200)
    }

    @Test("EndToEndHost(tls: true) serves https with the certificate it hands to tests")
    func endToEndHost() async throws {
        let host = try await EndToEndHost(tls: true)
        let certificate = try #require(host.certificate)
        let trusted = try await ProcessRunner.run(
            "/usr/bin/curl", ["-sS", "--cacert", certificate.certificatePath, host.baseURL + "/api/v1/version"],
            environment: [:])
        await host.shutdown()
        #expect(host.baseURL.hasPrefix("https://127.0.0.1:"))
        #expect(trusted.status == 0, "curl: \(trusted.stderr)")
        #expect(trusted.stdout.contains(GiteaStandIn.defaultVersion))
    }

    @Test("--tls-cert without --tls-key, or an unreadable certificate, is refused with a clear message")
    func badFlags() async throws {
        let certificate = try SelfSignedCertificate()
        let alone = try await ProcessRunner.run(
            ProcessRunner.standIn, ["--user", "a:b", "--tls-cert", certificate.certificatePath], environment: [:])
        #expect(alone.status != 0)
        #expect(alone.stderr.contains("--tls-cert and --tls-key go together"))
        let garbage = try certificate.directory.write("garbage.pem", "not a certificate\n")
        let unreadable = try await ProcessRunner.run(
            ProcessRunner.standIn, ["--user", "a:b", "--tls-cert", garbage, "--tls-key", certificate.keyPath],
            environment: [:])
        #expect(unreadable.status != 0)
        #expect(unreadable.stderr.contains("cannot use \(garbage)"))
        #expect(unreadable.stdout.isEmpty)
    }
}
