/// Gitea 1.20+ token scopes as a bitmap, normalised the way Gitea does it: `write:X` includes
/// `read:X`, duplicates and implied reads drop out, the canonical order is fixed and the full
/// write set is spelled `all`.
struct TokenScopes: Sendable, Equatable {
    static let categories = [
        "activitypub", "admin", "misc", "notification", "organization", "package", "issue", "repository", "user",
    ]

    private static let publicOnlyBit: UInt64 = 1

    private static func readBits(_ index: Int) -> UInt64 { 1 << UInt64(1 + 2 * index) }
    private static func writeBits(_ index: Int) -> UInt64 { 1 << UInt64(2 + 2 * index) | readBits(index) }

    private static var allBits: UInt64 {
        categories.indices.reduce(0) { $0 | writeBits($1) }
    }

    /// Every named scope in canonical order, each write before its read.
    private static let canonical: [(name: String, bits: UInt64)] = {
        var list: [(String, UInt64)] = [("public-only", publicOnlyBit)]
        for (index, category) in categories.enumerated() {
            list.append(("write:\(category)", writeBits(index)))
            list.append(("read:\(category)", readBits(index)))
        }
        return list
    }()

    private static func bits(of name: String) -> UInt64? {
        if name == "all" { return allBits }
        return canonical.first { $0.name == name }?.bits
    }

    let bitmap: UInt64

    /// Parses the scopes a client sent. Gitea joins the list with commas and skips empty items.
    init(requested: [String]) throws(UnknownScope) {
        var bitmap: UInt64 = 0
        for item in requested.joined(separator: ",").split(separator: ",").map(String.init) {
            guard let bits = Self.bits(of: item) else { throw UnknownScope(name: item) }
            bitmap |= bits
        }
        self.bitmap = bitmap
    }

    /// The normalised names, as stored and as listed.
    var names: [String] {
        var reconstructed: UInt64 = 0
        var names: [String] = []
        for (name, bits) in Self.canonical where bitmap & bits == bits {
            if reconstructed | bits == reconstructed { continue }
            reconstructed |= bits
            names.append(name)
        }
        let fullWrite = Self.categories.map { "write:\($0)" }
        if let start = names.firstIndex(of: fullWrite[0]),
            names.count >= start + fullWrite.count,
            Array(names[start..<start + fullWrite.count]) == fullWrite
        {
            names.replaceSubrange(start..<start + fullWrite.count, with: ["all"])
        }
        return names
    }

    var isEmpty: Bool { bitmap == 0 }

    /// Whether the token may read (GET) or write (other methods) in a category.
    func allows(_ category: String, write: Bool) -> Bool {
        guard let index = Self.categories.firstIndex(of: category) else { return false }
        let needed = write ? Self.writeBits(index) : Self.readBits(index)
        return bitmap & needed == needed
    }

    struct UnknownScope: Error {
        let name: String
    }
}
