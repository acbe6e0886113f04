import RekeyCore

extension ServerOptions {
    /// Runs `body` with a client for `url` (the https-only rule checked first, exit 78 naming
    /// `--url`) and shuts the transport down afterwards, whatever `body` does.
    func withClient<T>(url: String, state: StateDirectory, _ body: (GiteaClient) async throws -> T) async throws -> T {
        let transport = try transport()
        do {
            let result = try await body(try client(url: url, transport: transport, state: state, field: "--url"))
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
    }
}
