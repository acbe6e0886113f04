/// An account on the stand-in server. Passwords and seeds are test fixtures, but they are still
/// kept out of `description` so that a logged or printed user shows neither.
public struct StandInUser: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var name: String
    public var password: String
    public var isAdmin: Bool
    /// Base32 TOTP seed; when set, every password call must carry `X-Gitea-OTP`.
    public var totpSeedBase32: String?

    public init(name: String, password: String, isAdmin: Bool = false, totpSeedBase32: String? = nil) {
        self.name = name
        self.password = password
        self.isAdmin = isAdmin
        self.totpSeedBase32 = totpSeedBase32
    }

    /// Parses `NAME:PASSWORD[:BASE32SEED]`. The password cannot contain a colon.
    public init(parsing spec: String, isAdmin: Bool = false) throws(ParseError) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else { throw .wrongShape }
        guard !parts[0].isEmpty else { throw .emptyName }
        guard parts[0].allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw .badName(parts[0])
        }
        guard !parts[1].isEmpty else { throw .emptyPassword(parts[0]) }
        var seed: String?
        if parts.count == 3 {
            do {
                _ = try Base32.decode(parts[2])
            } catch {
                throw .badSeed(parts[0])
            }
            seed = parts[2]
        }
        self.init(name: parts[0], password: parts[1], isAdmin: isAdmin, totpSeedBase32: seed)
    }

    public var description: String {
        "\(name) (\(isAdmin ? "admin" : "user")\(totpSeedBase32 == nil ? "" : ", TOTP"), password <redacted>)"
    }

    /// `dump` and debuggers show the name and role only.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "isAdmin": isAdmin, "password": "<redacted>"])
    }

    /// Why a `NAME:PASSWORD[:SEED]` spec was refused; never repeats the password or seed.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case wrongShape
        case emptyName
        case badName(String)
        case emptyPassword(String)
        case badSeed(String)

        public var description: String {
            switch self {
            case .wrongShape:
                "a user must be given as NAME:PASSWORD or NAME:PASSWORD:BASE32SEED (the password cannot contain ':')"
            case .emptyName:
                "a user's name must not be empty: give NAME:PASSWORD"
            case .badName(let name):
                "user name '\(name)' may hold only letters, digits, '-', '_' and '.'"
            case .emptyPassword(let name):
                "user '\(name)' has an empty password: give NAME:PASSWORD"
            case .badSeed(let name):
                "user '\(name)': the TOTP seed must be base32 (letters A-Z and digits 2-7)"
            }
        }
    }
}
