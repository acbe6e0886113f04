import CYaml

/// Finds the first YAML anchor (`&name`) or alias (`*name`) in a playbook, by running libyaml's
/// event parser, which takes time linear in the text. Playbooks refuse both: aliases used as
/// mapping keys make composing a document exponential (a few hundred bytes take minutes), and a
/// playbook is simple enough to write out in full. This runs before Yams composes the document.
enum PlaybookAnchors {
    struct Found {
        /// "anchors" or "aliases".
        var kind: String
        var name: String
        /// 1-based.
        var line: Int
        var column: Int
    }

    /// The first anchor or alias in `yaml`, or nil when there is none (or the text is not YAML:
    /// the composer then reports the syntax error with its position).
    static func first(in yaml: String) -> Found? {
        var bytes = Array(yaml.utf8)
        if bytes.isEmpty { bytes = [0x0a] }
        return bytes.withUnsafeBufferPointer { input -> Found? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, input.baseAddress, input.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let anchor: UnsafeMutablePointer<yaml_char_t>?
                var kind = "anchors"
                switch event.type {
                case YAML_STREAM_END_EVENT: return nil
                case YAML_ALIAS_EVENT: anchor = event.data.alias.anchor; kind = "aliases"
                case YAML_SCALAR_EVENT: anchor = event.data.scalar.anchor
                case YAML_SEQUENCE_START_EVENT: anchor = event.data.sequence_start.anchor
                case YAML_MAPPING_START_EVENT: anchor = event.data.mapping_start.anchor
                default: anchor = nil
                }
                if let anchor {
                    let name = String(cString: UnsafeRawPointer(anchor).assumingMemoryBound(to: CChar.self))
                    return Found(kind: kind, name: name, line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                }
            }
        }
    }
}
