/// The text of a playbook for the end-to-end tests: one template that every test fills with its
/// consumer, env file and extras (the stand-in's persona probes as itself). `extra` is appended
/// as it is, after `probe:` (lines such as `steps: [...]`, `every: 30d`, `reload: {...}`).
public enum PlaybookText {
    public static func make(consumer: String, url: String = "${GITEA_URL}", persona: String, tokenName: String? = nil,
                            scopes: String = "[read:user]", file: String, comment: String, extra: String = "") -> String {
        """
        version: 1
        consumer: \(consumer)
        gitea:
          url: \(url)
          persona: \(persona)
        token:
          name: "\(tokenName ?? "\(consumer)-{run}")"
          scopes: \(scopes)
        target:
          file: \(file)
          key: GITEA_TOKEN
          comment: "\(comment)"
        probe:
          login: \(persona)
        \(extra)
        """
    }
}
