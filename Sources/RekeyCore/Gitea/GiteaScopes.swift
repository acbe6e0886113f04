/// Gitea 1.20+ access-token scopes (see /work/shared/gitea-api.md) and the pre-1.20 names people
/// still copy from old docs.
public enum GiteaScopes {
    /// The categories `read:X` / `write:X` exist for, in Gitea's canonical order.
    public static let categories = [
        "activitypub", "admin", "misc", "notification", "organization", "package", "issue", "repository", "user",
    ]

    /// Every scope a Gitea 1.20+ server accepts.
    public static let valid: Set<String> = {
        var scopes: Set<String> = ["all", "public-only"]
        for category in categories {
            scopes.insert("read:\(category)")
            scopes.insert("write:\(category)")
        }
        return scopes
    }()

    /// True when a token with these scopes may call `GET /api/v1/user` (the probe): it needs
    /// `read:user`, which `write:user` and `all` imply.
    public static func grantsReadUser(_ scopes: [String]) -> Bool {
        scopes.contains { $0 == "read:user" || $0 == "write:user" || $0 == "all" }
    }

    /// The modern scope(s) for a pre-1.20 scope name, or nil when `scope` is not a pre-1.20 name.
    public static func modernReplacement(for scope: String) -> String? {
        legacy[scope]
    }

    /// A likely intended scope for an unknown one (`read:repo` → `read:repository`), or nil.
    static func suggestion(for scope: String) -> String? {
        if let modern = legacy[scope] { return modern }
        let lowered = scope.lowercased()
        if valid.contains(lowered) { return lowered }
        let parts = lowered.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["read", "write"].contains(parts[0]), !parts[1].isEmpty else { return nil }
        let close = categories.filter { $0.hasPrefix(parts[1]) || parts[1].hasPrefix($0) }
        return close.count == 1 ? "\(parts[0]):\(close[0])" : nil
    }

    /// Pre-1.20 names (models/auth/access_token_scope.go before the 1.20 rewrite) and what grants
    /// the same today.
    private static let legacy: [String: String] = [
        "repo": "write:repository",
        "repo:status": "write:repository",
        "public_repo": "public-only, write:repository",
        "delete_repo": "write:repository",
        "admin:repo_hook": "write:repository",
        "write:repo_hook": "write:repository",
        "read:repo_hook": "read:repository",
        "admin:org": "write:organization",
        "write:org": "write:organization",
        "read:org": "read:organization",
        "admin:org_hook": "write:organization",
        "admin:public_key": "write:user",
        "write:public_key": "write:user",
        "read:public_key": "read:user",
        "admin:user_hook": "write:user",
        "user": "write:user",
        "user:email": "read:user",
        "user:follow": "write:user",
        "admin:gpg_key": "write:user",
        "write:gpg_key": "write:user",
        "read:gpg_key": "read:user",
        "admin:application": "write:user",
        "write:application": "write:user",
        "read:application": "read:user",
        "notification": "write:notification",
        "package": "write:package",
        "delete:package": "write:package",
        "sudo": "write:admin",
    ]
}
