import ArgumentParser
import Foundation
import RekeyCore

/// How rekey talks to Gitea, shared by every command that takes a server: the deadline of each
/// exchange, the https-only rule's opt-out and a private CA.
struct ServerOptions: ParsableArguments {
    @Option(help: "Seconds one whole exchange with gitea may take, body included (default 20).")
    var timeout: Int = 20

    @Flag(name: .customLong("insecure-http"), help: "Allow plain http:// to a host that is not loopback (password, one-time code and token then cross the network in clear).")
    var insecureHTTP = false

    @Option(name: .customLong("ca-file"), help: "PEM certificate of a private CA to trust for gitea's https, besides the system's (overrides gitea.ca_file).")
    var caFile: String?

    func validate() throws {
        guard (1...600).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 600 seconds") }
    }

    /// One transport for the whole command; `playbookCAFile` is the playbook's `gitea.ca_file`.
    func transport(playbookCAFile: String? = nil) throws -> LiveHTTPTransport {
        try LiveHTTPTransport(caFile: caFile ?? playbookCAFile)
    }

    /// A client for `url` once the https-only rule allows it (exit 78 naming `field` otherwise). For
    /// a TOTP persona the last step sent is kept in the state directory.
    func client(url: String, transport: any HTTPTransport, state: StateDirectory, field: String,
                playbookAllowsHTTP: Bool = false, optOut: String = "--insecure-http") throws -> GiteaClient {
        try GiteaServerPolicy.check(url, insecureHTTP: insecureHTTP || playbookAllowsHTTP, field: field, optOut: optOut)
        return GiteaClient(baseURL: url, transport: transport, requestTimeout: .seconds(timeout), otpSteps: FileOTPSteps(state: state))
    }

    /// For `recover` and `rollback`: the server a journal names, refused call by call when the rule forbids it.
    func journaledClient(url: String, transport: any HTTPTransport, state: StateDirectory) -> any GiteaAPI {
        do {
            return try client(url: url, transport: transport, state: state, field: "the journaled server")
        } catch let refusal as InsecureServerURL {
            return RefusedGitea(refusal)
        } catch {
            return RefusedGitea(InsecureServerURL(field: "the journaled server", url: url, optOut: "--insecure-http", reason: "cannot be used"))
        }
    }
}
