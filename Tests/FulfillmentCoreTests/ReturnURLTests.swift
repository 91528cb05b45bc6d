import FulfillmentCore
import Testing

/// `retry_url` read as a browser would read it: what the service checks is what the customer visits.
@Suite struct ReturnURLTests {
    static let shop = WebOrigin(scheme: "https", host: "shop.test")

    /// Each was a way to show the shop's host to an RFC 3986 parser and send a browser elsewhere.
    @Test(arguments: [
        ("https://evil.example\\@shop.test/", "backslash"),
        ("https://evil.example\\\\@shop.test/cart", "backslash"),
        ("https://shop.test\\evil.example/", "backslash"),
        ("https://evil.example%5C@shop.test/", "user info"),
        ("https://evil.example%5c@shop.test/", "user info"),
        ("https://evil.example%2F@shop.test/", "user info"),
        ("https://evil.example@shop.test/", "user info"),
        ("https://shop.test@evil.example/", "user info"),
        ("https://user:pass@shop.test/", "user info"),
        ("HTTPS://EVIL.EXAMPLE\\@SHOP.TEST/", "backslash"),
        ("hTTps://Evil.Example%5C@Shop.Test/", "user info"),
        ("https://%73hop.test/", "percent-encoded host"),
        ("https://shop.test%2Eevil.example/", "percent-encoded host"),
        ("https:evil.example", "two slashes"),
        ("https:/evil.example/", "two slashes"),
        ("https:///evil.example/", "two slashes"),
        ("https://shоp.test/", "non-ASCII"),  // a Cyrillic о
        ("https://ｓhop.test/", "non-ASCII"),  // fullwidth s, which IDNA would map to shop.test
        ("https://xn--shp-ied.test\u{202E}/", "non-ASCII"),  // a right-to-left override
        ("https://shop.test/ cart", "space"),
        ("https://shop.test/\tcart", "control character"),
        ("https://shop.test/\ncart", "control character"),
        ("\u{0}https://shop.test/", "control character"),
        ("https://shop.test/a%2Fb", "path separator"),
        ("https://shop.test/a%5cb", "path separator"),
        ("https://shop.test/a%0Ab", "control character"),
        ("https://shop.test/a%zz", "two-digit escape"),
        ("https://shop.test:99999/", "port"),
        ("https://shop.test:443x/", "port"),
        ("javascript:alert(1)//https://shop.test/", "https://"),
        ("//shop.test/", "https://"),
        ("https://shop.test/<script>", "percent-encoded"),
    ])
    func aURLABrowserCouldReadDifferentlyIsRefusedWithTheReason(url: String, reason: String) {
        #expect(throws: ReturnURL.Refusal.self) { try ReturnURL(parsing: url) }
        do {
            _ = try ReturnURL(parsing: url)
        } catch {
            #expect(error.description.contains(reason) || reason == "https://" && error.description.contains("https://"), "\(url): \(error)")
        }
    }

    @Test func mixedCaseAndDefaultPortsAreTheSameOriginAndAreRebuiltInOneForm() throws {
        let url = try ReturnURL(parsing: "HTTPS://Shop.Test:443/Cart?step=2#top")
        #expect(url.origin == Self.shop)
        #expect(url.description == "https://shop.test/Cart?step=2#top", "scheme and host lowered, the default port dropped, the path kept")
        #expect(try ReturnURL(parsing: "https://shop.test").description == "https://shop.test/")
        #expect(try ReturnURL(parsing: "http://127.0.0.1:4242/x").origin == WebOrigin(scheme: "http", host: "127.0.0.1", port: 4242))
        #expect(try ReturnURL(parsing: "https://shop.test:8443/").origin != Self.shop, "another port is another origin")
        #expect(try ReturnURL(parsing: "http://shop.test/").origin != Self.shop, "http is another origin")
        #expect(try ReturnURL(parsing: "https://shop.test/?next=%2Fcart").description == "https://shop.test/?next=%2Fcart", "a query may encode a slash")
        #expect(try ReturnURL(parsing: "https://xn--shp-ied.test/").origin.host == "xn--shp-ied.test", "an IDN host in its ASCII form")
    }

    @Test func allowedOriginsAreWrittenAsHostsHostPortsOrOrigins() throws {
        #expect(try WebOrigin(setting: "Shop.Test") == Self.shop, "a bare host is https on 443")
        #expect(try WebOrigin(setting: "shop.test:8443") == WebOrigin(scheme: "https", host: "shop.test", port: 8443))
        #expect(try WebOrigin(setting: "http://shop.test/") == WebOrigin(scheme: "http", host: "shop.test", port: 80))
        #expect(throws: ReturnURL.Refusal.self) { try WebOrigin(setting: "ftp://shop.test") }
        #expect(throws: ReturnURL.Refusal.self) { try WebOrigin(setting: "user@shop.test") }
        #expect(throws: ReturnURL.Refusal.self) { try WebOrigin(setting: "shop.test:x") }
    }
}
