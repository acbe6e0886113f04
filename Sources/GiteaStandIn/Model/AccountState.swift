/// The sign-in flags of an account that a test may change at run time, through
/// `GiteaStandIn.setAccountState` or `POST /_standin/users/{name}` with any of these keys as JSON.
/// A key left out (nil) keeps its current value.
///
/// What each flag does follows Gitea's own checks, so they differ (see README, "The stand-in"):
/// - `active: false` (an administrator disabled the account): every call, password or token,
///   gets 403 `This account is prohibited from signing in, please contact your site administrator.`
///   (`verifyAuthWithOptions` in routers/api/v1/api.go).
/// - `prohibit_login: true`: a token gets that same 403; a password is refused earlier, by
///   `UserSignIn` (services/auth/signin.go), with 401 `user is not allowed login [uid: N, name: X]`.
/// - `must_change_password: true`: password and token get 403
///   `You must change your password. Change it at: BASE//user/change_password` (AppURL ends in `/`).
public struct AccountState: Sendable, Equatable, Codable {
    public var active: Bool?
    public var prohibitLogin: Bool?
    public var mustChangePassword: Bool?

    public init(active: Bool? = nil, prohibitLogin: Bool? = nil, mustChangePassword: Bool? = nil) {
        self.active = active
        self.prohibitLogin = prohibitLogin
        self.mustChangePassword = mustChangePassword
    }

    enum CodingKeys: String, CodingKey {
        case active
        case prohibitLogin = "prohibit_login"
        case mustChangePassword = "must_change_password"
    }
}
