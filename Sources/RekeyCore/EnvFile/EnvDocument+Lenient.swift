extension EnvDocument {
    /// The value of `key` on the last line that assigns it in the plain form (`[export] KEY=value`),
    /// without the shell-dialect checks of `value(of:)`; nil when no line does.
    ///
    /// Only for a backup that rekey restores byte for byte and whose token it only probes (rollback):
    /// a backup taken by an earlier release may hold lines today's stricter parser refuses to edit,
    /// and it must still roll back.
    public func lenientValue(of key: String) -> SecretBytes? {
        let found: EnvValueLayout? = contents.withUnsafeBytes { bytes in
            var last: EnvValueLayout?
            for line in lines {
                guard let assignment = EnvAssignment.parse(bytes, line), assignment.name == key,
                      case .editable(let layout) = assignment.layout(bytes, line) else { continue }
                last = layout
            }
            return last
        }
        return found.map { contents.slice($0.value) }
    }
}
