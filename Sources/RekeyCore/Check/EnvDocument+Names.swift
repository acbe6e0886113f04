extension EnvDocument {
    /// The names of the variables assigned at the start of a line, in file order, each once. Whether
    /// the shell really ends up with such an assignment is `value(of:)`'s question.
    public func assignedNames() -> [String] {
        var seen = Set<String>()
        return contents.withUnsafeBytes { bytes in
            lines.compactMap { EnvAssignment.parse(bytes, $0)?.name }.filter { seen.insert($0).inserted }
        }
    }
}
