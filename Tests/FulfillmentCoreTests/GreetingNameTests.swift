import FulfillmentCore
import Testing

/// A name that someone else typed, as an email may greet with it.
@Suite struct GreetingNameTests {
    @Test(arguments: [
        "- URGENT: your account is suspended, verify at https://evil.example/login -",
        "Sam, verify at evil.example/login",
        "Sam see www.evil.example",
        "Sam (write to help@evil.example)",
        "Sam call 0800 555 0100",
        "Sam evil.example",
        "Sam EVIL.EXAMPLE",
        "   ",
    ])
    func aNameWithALinkOrANumberIsNotEchoed(name: String) {
        #expect(GreetingName.safe(name) == nil, "\(name)")
    }

    @Test func aPlainNameIsKeptCleanedAndCutAtAWord() {
        #expect(GreetingName.safe("Jenny Rosen") == "Jenny Rosen")
        #expect(GreetingName.safe("J. R. R. Tolkien") == "J. R. R. Tolkien", "initials are not a domain")
        #expect(GreetingName.safe("María-José O'Neill") == "María-José O'Neill")
        #expect(GreetingName.safe("Sam\u{202E}nosiaR\u{200B}") == "SamnosiaR", "bidirectional overrides and invisible characters dropped")
        #expect(GreetingName.safe("Sam\r\nBcc: x") == "Sam Bcc: x", "a line break is a space")
        let long = GreetingName.safe("Alexandria Ocasio Cortez de la Montaña y Fernández")
        #expect(long == "Alexandria Ocasio Cortez de la Montaña y", "at most 40 characters, cut at a word")
        #expect((long?.count ?? 0) <= GreetingName.maximumLength)
        #expect(GreetingName.safe(nil) == nil)
    }
}
