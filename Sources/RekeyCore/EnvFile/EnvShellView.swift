/// Decides, from a `ShellScan`, whether exactly one line is the key's assignment the shell ends up
/// with, and otherwise which lines are involved. README "The env file dialect" states the rules.
struct EnvShellView {
    private struct Found {
        var offset: Int
        var use: EnvShellUse
    }

    let bytes: UnsafeRawBufferPointer
    let lines: [EnvLine]
    let key: String
    let path: String
    let scan: ShellScan

    /// The line (index into `lines`) holding the key's single plain assignment, and its value layout.
    func locate() -> Result<(Int, EnvValueLayout), EnvFileError> {
        guard !lines.isEmpty else { return .failure(.keyMissing(key: key, path: path)) }
        // 1. Candidates: commands that start a line and read, to the old line-based parser, as an
        //    assignment of the key. Plain ones are at the top level and not part of a list.
        var candidates: [Int: Bool] = [:]  // command index → plain (top level, not joined)
        var candidateNames: Set<Int> = []  // offsets of the candidates' own names
        for (index, command) in scan.commands.enumerated() where !command.isHeader {
            let line = lines[lineIndex(command.start)]
            let rawStart = line.number == 1 ? 0 : line.start
            guard command.start == EnvBytes.skipBlanks(bytes, rawStart..<line.contentEnd) || command.start == EnvBytes.skipBlanks(bytes, line.text),
                  let assignment = EnvAssignment.parse(bytes, line), assignment.name == key else { continue }
            candidates[index] = command.depth == 0 && !command.joined
            if !assignment.blankBeforeEquals { candidateNames.insert(assignment.valueStart - 1 - key.utf8.count) }
        }
        // 2. Every other place that could touch the key: mentions, and commands such as eval.
        var sites: [Found] = candidates.map { Found(offset: scan.commands[$0.key].start, use: $0.value ? .assignment : .conditional) }
        sites += scan.mentions.compactMap { mention in
            candidateNames.contains(mention.offset) ? nil : use(of: mention, candidates: candidates).map { Found(offset: mention.offset, use: $0) }
        }
        var sources: [Int] = []
        var stops: [(Int, String)] = []
        var problems = scan.problems
        var readOnly: Set<UInt64> = []
        for command in scan.commands where !command.isHeader {
            if let frozen = writesReadOnly(command, &readOnly) { problems.append((frozen, .readOnlyAssigned)) }
            let named = command.words.drop(while: \.isAssignment)
            if let braces = named.first(where: \.hasBraceExpansion) {
                problems.append((braces.start, .bashOnly("brace expansion {a,b}")))
            }
            if named.count < command.words.count, let name = named.first, name.keyword?.isSpecialBuiltin == true {
                problems.append((command.start, .bashOnly("an assignment before a special builtin such as export or '.', which sh keeps and bash does not")))
            }
            if let found = commandUse(command, sources: &sources, stops: &stops) { sites.append(Found(offset: command.start, use: found)) }
        }
        let plain = sites.filter { $0.use == .assignment }
        if plain.count == 1 {
            let keyLine = lineIndex(plain[0].offset)
            sites += sources.filter { lineIndex($0) > keyLine }.map { Found(offset: $0, use: .sourceAfter) }
            sites += stops.filter { lineIndex($0.0) < keyLine }.map { Found(offset: $0.0, use: .stopsBefore($0.1)) }
        }
        // 3. The verdict: one plain candidate and nothing else, and the file is sh's and bash's alike.
        var seen = Set<String>()
        let ordered = sites.map { EnvShellSite(line: lines[lineIndex($0.offset)].number, use: $0.use) }
            .sorted { $0.line < $1.line }
            .filter { seen.insert("\($0.line) \($0.use)").inserted }
        let firstProblem = problems.min { $0.offset < $1.offset }
            .map { EnvFileError.shellSyntax(path: path, line: lines.isEmpty ? 1 : lines[lineIndex($0.offset)].number, problem: $0.problem) }

        if ordered.isEmpty { return .failure(firstProblem ?? .keyMissing(key: key, path: path)) }
        if ordered.count == 1, ordered[0].use == .assignment {
            let index = lineIndex(plain[0].offset)
            let line = lines[index]
            guard let assignment = EnvAssignment.parse(bytes, line) else { return .failure(.keyMissing(key: key, path: path)) }
            switch assignment.layout(bytes, line) {
            case .refused(let problem): return .failure(.lineNotEditable(key: key, path: path, line: line.number, problem: problem))
            case .editable(let layout):
                if let firstProblem { return .failure(firstProblem) }
                if let refusal = refusal(index, layout) { return .failure(refusal) }
                return .success((index, layout))
            }
        }
        if let firstProblem { return .failure(firstProblem) }
        if ordered.allSatisfy({ $0.use == .assignment }) {
            return .failure(.keyDuplicated(key: key, path: path, lines: ordered.map(\.line)))
        }
        return .failure(.keyAmbiguous(key: key, path: path, sites: ordered))
    }

    /// The BOM and CR rules for an otherwise editable key line.
    private func refusal(_ index: Int, _ layout: EnvValueLayout) -> EnvFileError? {
        let line = lines[index]
        if EnvBytes.byteOrderMarkLength(bytes) > 0 {
            let commentOnFirstLine = index == 1 && {
                let first = EnvBytes.skipBlanks(bytes, lines[0].text)
                return first < lines[0].contentEnd && bytes[first] == EnvBytes.hash
            }()
            if index == 0 || commentOnFirstLine { return .byteOrderMark(key: key, path: path, keyLine: line.number) }
        }
        let afterValue = layout.value.upperBound + (layout.style == .unquoted ? 0 : 1)
        if line.terminator.count == 2 && EnvBytes.skipBlanks(bytes, afterValue..<line.contentEnd) == line.contentEnd {
            return .lineNotEditable(key: key, path: path, line: line.number, problem: .carriageReturn)
        }
        return nil
    }

    /// What a mention of the key means, or nil when it cannot touch the key.
    private func use(of mention: ShellMention, candidates: [Int: Bool]) -> EnvShellUse? {
        switch mention.kind {
        case .hereDocument: return .hereDocument
        case .expansionAssigns: return .expansionAssigns
        case .expansionChecks: return .expansionChecks
        case .arithmetic: return .arithmetic
        case .bare(let atWordStart):
            guard let commandIndex = mention.command, let wordIndex = mention.word else { return .command }
            let command = scan.commands[commandIndex]
            if command.isHeader { return .loopOrPattern }
            let words = command.words
            let ownName = wordIndex == 0 || (wordIndex == 1 && words[0].keyword == .export)
            if candidates[commandIndex] != nil && atWordStart && ownName { return nil }
            let nameIndex = words.firstIndex { !$0.isAssignment } ?? words.count
            let word = words[wordIndex]
            if wordIndex < nameIndex {
                // A prefix assignment: its value is never read as code.
                guard atWordStart else { return nil }
                if word.isAppend { return .append }
                return candidates[commandIndex] == nil && command.depth == 0 && !command.joined ? .assignmentInCommand : .conditional
            }
            if wordIndex == nameIndex { return .command }
            let name = words[nameIndex].keyword
            switch name {
            case .export where atWordStart && word.isName && !words[(nameIndex + 1)...].contains(where: { $0.optionLetters != 0 }):
                // `export KEY`: marks it for export, never changes its value.
                return nil
            case .export, .readonly, .declare, .typeset, .local:
                let nameref = words.contains(where: \.isNamerefOption)
                if !atWordStart && word.isAssignment && !nameref { return nil }
                return .builtin(name!.rawValue)
            case .some(let keyword) where keyword.isBuiltin:
                return .builtin(keyword.rawValue)
            default:
                return .command
            }
        }
    }

    /// What a command does that could touch the key wherever it is named (eval, dynamic names);
    /// collects `.`/`source` and exit/return/exec offsets for the rules that depend on the key's line.
    private func commandUse(_ command: ShellCommand, sources: inout [Int], stops: inout [(Int, String)]) -> EnvShellUse? {
        var words = command.words.drop { $0.isAssignment }
        while let first = words.first, first.keyword == .command || first.keyword == .builtin { words = words.dropFirst() }
        guard let name = words.first else { return nil }
        let arguments = words.dropFirst()
        let dynamic = arguments.contains(where: \.hasExpansion)
        if name.hasExpansion { return dynamic ? .dynamicName("a command named by an expansion") : nil }
        switch name.keyword {
        case .eval: return .eval
        case .dot, .source: sources.append(command.start)
        case .returnWord: stops.append((command.start, "return"))
        case .exit: return .exits("exit")
        case .exec where !arguments.isEmpty: return .exits("exec")
        case .export, .readonly, .declare, .typeset, .local:
            let nameref = arguments.contains(where: \.isNamerefOption)
            if arguments.contains(where: \.expansionBeforeEquals) || (nameref && dynamic) { return .dynamicName(name.keyword!.rawValue) }
        case .alias: return .alias
        case .set:
            let stopping: UInt32 = 1 << 4 | 1 << 20 | 1 << 13  // e, u, n
            if dynamic || arguments.contains(where: { $0.optionLetters & stopping != 0 || [.errexit, .nounset, .noexec].contains($0.keyword) }) {
                return .exits("set -e, -u or -n")
            }
        case .unset, .read, .let, .mapfile, .readarray, .getopts, .wait, .trap, .enable:
            if dynamic { return .dynamicName(name.keyword!.rawValue) }
        case .printf:
            let first = arguments.first
            if first?.hasExpansion == true || (arguments.contains(where: \.isPrintfVariableOption) && dynamic) { return .dynamicName("printf") }
        default: break
        }
        return nil
    }

    /// Notes the names `command` makes read-only (`readonly`, `declare -r`, `typeset -r`), and returns
    /// the offset of a word that assigns or unsets one already read-only: sh stops reading the file
    /// there, bash goes on.
    private func writesReadOnly(_ command: ShellCommand, _ readOnly: inout Set<UInt64>) -> Int? {
        let prefix = command.words.prefix { $0.isAssignment }
        if let word = prefix.first(where: { readOnly.contains($0.nameHash) }) { return word.start }
        let rest = command.words.dropFirst(prefix.count)
        guard let name = rest.first?.keyword else { return nil }
        let arguments = rest.dropFirst().filter { $0.optionLetters == 0 }
        let freezes = name == .readonly || ([.declare, .typeset].contains(name) && rest.contains { $0.optionLetters & 1 << 17 != 0 })
        if [.readonly, .export, .declare, .typeset, .local, .unset].contains(name),
           let word = arguments.first(where: { (name == .unset ? $0.isName : $0.isAssignment) && readOnly.contains($0.nameHash) }) {
            return word.start
        }
        // The key itself is a site of its own, named with its line.
        let keyHash = key.utf8.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        if freezes { readOnly.formUnion(arguments.filter { ($0.isAssignment || $0.isName) && $0.nameHash != keyHash }.map(\.nameHash)) }
        return nil
    }

    /// The index in `lines` of the line holding `offset`.
    func lineIndex(_ offset: Int) -> Int {
        var low = 0
        var high = lines.count - 1
        while low < high {
            let middle = (low + high) / 2
            if lines[middle].end > offset { high = middle } else { low = middle + 1 }
        }
        return max(low, 0)
    }
}
