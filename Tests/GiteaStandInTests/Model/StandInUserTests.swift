import GiteaStandIn
import Testing

@Suite("Parsing NAME:PASSWORD[:SEED]")
struct StandInUserTests {
    @Test("name and password, no TOTP")
    func plain() throws {
        let user = try StandInUser(parsing: "alice:s3cret")
        #expect(user == StandInUser(name: "alice", password: "s3cret", isAdmin: false, totpSeedBase32: nil))
    }

    @Test("a third part is the TOTP seed; admin comes from the caller")
    func withSeed() throws {
        let user = try StandInUser(parsing: "root:pw:\(rfcSeed)", isAdmin: true)
        #expect(user.totpSeedBase32 == rfcSeed)
        #expect(user.isAdmin)
    }

    @Test(
        "malformed specs are refused",
        arguments: [
            ("alice", StandInUser.ParseError.wrongShape),
            ("a:b:c:d", .wrongShape),
            (":pw", .emptyName),
            ("alice:", .emptyPassword("alice")),
            ("al ice:pw", .badName("al ice")),
            ("alice:pw:NOT-BASE32-189", .badSeed("alice")),
        ])
    func refused(spec: String, expected: StandInUser.ParseError) {
        #expect(throws: expected) { try StandInUser(parsing: spec) }
    }

    @Test("neither a user's description nor a parse error shows the password or seed")
    func redaction() throws {
        let user = try StandInUser(parsing: "alice:hunter2:\(rfcSeed)")
        #expect(!user.description.contains("hunter2"))
        #expect(!user.description.contains(rfcSeed))
        #expect(!String(describing: user).contains("hunter2"))
        let error = StandInUser.ParseError.badSeed("alice")
        #expect(!error.description.contains("hunter2"))
    }
}

@Test("dump of a user shows the name but not the password")
func dumpRedacts() throws {
    var dumped = ""
    dump(try StandInUser(parsing: "alice:hunter2"), to: &dumped)
    #expect(dumped.contains("alice"))
    #expect(!dumped.contains("hunter2"))
}
