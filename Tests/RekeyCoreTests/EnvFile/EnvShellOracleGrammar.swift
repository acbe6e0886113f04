import Foundation

/// The grammar of the shell-oracle property test: env files mixing ordinary lines with every form
/// that could assign, unset or freeze the key, built from a seeded generator.
struct EnvShellGrammar {
    static let key = "GITEA_TOKEN"
    /// The variables compared before and after a rotation, besides the key.
    static let others = ["A", "B", "C", "NOTE", "CERT", "Q", "X", "Y", "RO", "GITEA_TOKEN_OLD", "MY_GITEA_TOKEN"]

    /// Lines that do not touch the key (some name it in ways that cannot assign it; some are refused
    /// anyway because rekey cannot tell).
    static let ordinary = [
        "A=plain{v}", "export B=\"two words {v}\"", "C='single $x {v}'", "GITEA_TOKEN_OLD={v}", "MY_GITEA_TOKEN={v}",
        "NOTE=\"first line\nGITEA_TOKEN=inside-double\nlast\"", "CERT='-----BEGIN\nGITEA_TOKEN=inside-single \\\n-----END'",
        "# a comment", "# GITEA_TOKEN=commented-out", "# a comment ending in a backslash \\", "   # indented (comment)",
        "", "   \t", "set -a", "umask 077", "true", ": \"${A:-default}\"", "echo hello >/dev/null",
        "X=one\\\ntwo", "Y=$(printf '%s' \"a\nb\")", "Y=$(cat <<EOF\nGITEA_TOKEN=in-substitution\nEOF\n)", "X=`echo back`",
        "cat >/dev/null <<EOF\nhello $A\nEOF", "cat >/dev/null <<'EOF'\nGITEA_TOKEN=in-quoted-heredoc\nEOF",
        "if true; then\n  A=in-if\nfi", "f() {\n  B=in-function\n}", ". ./other.env", "Q='x\\\n'", "A=1 \\",
        "Z=\"never closed", "B=crlf{v}\r", "A=\"x\\\"\nstill open\"", "case $A in\n  plain*) C=matched ;;\n  *) C=other ;;\nesac",
        "A=$'bash only'", "return 0", "readonly RO=frozen", "RO=thawed", "readonly A", "X=\"$(echo '\"')\"", "C=\"${A%%x*}\"", "echo \"$GITEA_TOKEN\" >/dev/null",
        "X='it'\\''s'", "A=a#b", "B=x # trailing comment with 'quote", "Y=$((1 + 2))", "C=\"open\n# not a comment\n\"",
        "X=$(echo a # not the end )\n)", "X=$(case a in a) echo y;; esac)", "cat >/dev/null <<-EOF\n\thello\n\tEOF",
        "A='x' B=\"y\" C=z", "Y=\"$(printf '%s' \")\")\"", "B=`echo \\`echo nested\\``", "NOTE=\"it's\nGITEA_TOKEN=in-open-quote", "false", "echo $UNSET_VARIABLE >/dev/null", "|| true", "{ C=3; } && D=4", ">/dev/null; A=6",
    ]

    /// Key lines rekey may rotate.
    static let plain = [
        "GITEA_TOKEN={old}", "export GITEA_TOKEN={old}", "GITEA_TOKEN=\"{old}\"", "GITEA_TOKEN='{old}'",
        "  GITEA_TOKEN={old} # the token", "\texport GITEA_TOKEN='{old}'\t# note", "GITEA_TOKEN={old}\r",
        "GITEA_TOKEN=\"{old}\" # c\r", "GITEA_TOKEN={old}   ", "GITEA_TOKEN={old} # ends in a backslash \\",
        "GITEA_TOKEN='{old}' # it's fine",
    ]

    /// Lines that assign, unset, freeze or may hide the key.
    static let touching = [
        "A=1 GITEA_TOKEN={v}", "GITEA_TOKEN={v} A=1", "declare -x GITEA_TOKEN={v}", "typeset GITEA_TOKEN={v}",
        "readonly GITEA_TOKEN", "readonly GITEA_TOKEN={v}", "local GITEA_TOKEN={v}", "unset GITEA_TOKEN", "export GITEA_TOKEN", "export -n GITEA_TOKEN", "export A GITEA_TOKEN",
        "GITEA_TOKEN+={v}", "read GITEA_TOKEN <<EOF\n{v}\nEOF", "printf -v GITEA_TOKEN '%s' {v}", ": \"${GITEA_TOKEN:={v}}\"",
        ": \"${GITEA_TOKEN={v}}\"", "eval \"GITEA_TOKEN={v}\"", "eval true", "if true; then\n  GITEA_TOKEN={v}\nfi",
        "true &&\nGITEA_TOKEN={v}", "false ||\nGITEA_TOKEN={v}", "f() {\nGITEA_TOKEN={v}\n}", "(\nGITEA_TOKEN={v}\n)",
        "GITEA_\\\nTOKEN={v}", "X=$((GITEA_TOKEN=5))", "declare \"GITEA_\"TOKEN={v}", "p=GITEA_TOK; declare \"${p}EN={v}\"",
        ". /dev/stdin <<'EOF'\nGITEA_TOKEN={v}\nEOF", "exit 0", "set -a; GITEA_TOKEN={v}", "GITEA_TOKEN=\"{v}",
        "GITEA_TOKEN={v} \\", "GITEA_TOKEN=$(echo {v})", "GITEA_TOKEN=x{v}\\", "for GITEA_TOKEN in {v}; do :; done",
        "! GITEA_TOKEN={v}", "GITEA_TOKEN={v} &", "export GITEA_TOKEN=\"{v}\" A=1", "set -e", "set -u", "alias export=:", "export() { :; }", "{ GITEA_TOKEN={v}; }", "GITEA_TOKEN={v}; true", "echo ok | GITEA_TOKEN={v}",
    ]

    var random: SplitMix64

    /// One file's bytes.
    mutating func file() -> [UInt8] {
        var pieces: [String] = []
        var pool = Array(Self.ordinary.indices)
        for _ in 0..<random.below(2, 8) {
            let pick = random.below(0, pool.count)
            pieces.append(fill(Self.ordinary[pool.remove(at: pick)]))
        }
        if random.chance(0.88) { pieces.append(fill(Self.plain[random.below(0, Self.plain.count)])) }
        if random.chance(0.35) { pieces.append(fill(Self.touching[random.below(0, Self.touching.count)])) }
        if random.chance(0.06) { pieces.append(fill(Self.plain[random.below(0, Self.plain.count)])) }
        for index in pieces.indices.reversed() {
            let other = random.below(0, index + 1)
            pieces.swapAt(index, other)
        }
        var text = pieces.joined(separator: "\n")
        if random.chance(0.8) { text += "\n" }
        let bom: [UInt8] = random.chance(0.1) ? [0xEF, 0xBB, 0xBF] : []
        return bom + Array(text.utf8)
    }

    private mutating func fill(_ template: String) -> String {
        template.replacingOccurrences(of: "{old}", with: "0ld" + hex(10))
            .replacingOccurrences(of: "{v}", with: "v" + hex(6))
    }

    private mutating func hex(_ count: Int) -> String {
        String((0..<count).map { _ in Array("0123456789abcdef")[random.below(0, 16)] })
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed reproduces the same files.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `lower..<upper`.
    mutating func below(_ lower: Int, _ upper: Int) -> Int { lower + Int(next() % UInt64(upper - lower)) }

    mutating func chance(_ probability: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < probability }
}
