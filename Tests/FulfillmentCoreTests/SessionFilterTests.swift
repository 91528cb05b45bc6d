import FulfillmentCore
import StripeAPI
import Testing

/// `FULFILL_WHEN`: which Checkout Sessions on the account are this service's.
@Suite struct SessionFilterTests {
    private func session(metadata: [String: String]? = nil, clientReference: String? = nil) throws -> CheckoutSession {
        var json: JSONValue = [
            "id": "cs_test_1", "object": "checkout.session", "created": 1, "expires_at": 2, "livemode": false,
            "mode": "payment", "payment_method_types": ["card"], "payment_status": "paid", "status": "complete",
            "client_reference_id": .string(clientReference),
        ]
        if let metadata { json["metadata"] = .stringMap(metadata) }
        return try json.decode(as: CheckoutSession.self)
    }

    @Test func theDefaultTakesEverySession() throws {
        for text in ["", "  ", "all"] {
            let filter = try SessionFilter(parsing: text)
            #expect(filter == .all)
            #expect(filter.reasonToIgnore(try session()) == nil)
        }
    }

    @Test func everyConditionMustHoldAndTheReasonSaysWhichDidNot() throws {
        let filter = try SessionFilter(parsing: "metadata.shop=demo, metadata.order")
        #expect(filter.reasonToIgnore(try session(metadata: ["shop": "demo", "order": "42"])) == nil)
        let otherShop = try #require(filter.reasonToIgnore(try session(metadata: ["shop": "subscriptions", "order": "42"])))
        #expect(otherShop.contains("metadata.shop=demo") && otherShop.contains("'subscriptions'"))
        let noShop = try #require(filter.reasonToIgnore(try session(metadata: ["order": "42"])))
        #expect(noShop.contains("absent"))
        let noOrder = try #require(filter.reasonToIgnore(try session(metadata: ["shop": "demo", "order": ""])))
        #expect(noOrder.contains("metadata.order"))
        #expect(filter.reasonToIgnore(try session()) != nil, "a session without metadata is not ours")
        // Values are compared exactly: a value may itself hold '='.
        #expect(try SessionFilter(parsing: "metadata.q=a=b").reasonToIgnore(try session(metadata: ["q": "a=b"])) == nil)
    }

    @Test func accountsNameTheConnectedAccountsAndThePlatformWhoseSessionsAreOurs() throws {
        let filter = try SessionFilter(parsing: "account=acct_shopA|platform")
        #expect(filter.reasonToIgnore(try session(), account: "acct_shopA") == nil)
        #expect(filter.reasonToIgnore(try session(), account: nil) == nil)
        let other = try #require(filter.reasonToIgnore(try session(), account: "acct_shopB"))
        #expect(other.contains("acct_shopA or platform") && other.contains("acct_shopB"))
        let connectedOnly = try SessionFilter(parsing: "account=acct_shopA")
        #expect(connectedOnly.reasonToIgnore(try session(), account: nil)?.contains("the platform") == true)
        for text in ["account=", "account=shopA", "account=acct_", "account=acct_a||platform"] {
            #expect(throws: SessionFilterError.self) { try SessionFilter(parsing: text) }
        }
    }

    @Test func aClientReferenceIDCanMarkOurSessions() throws {
        let filter = try SessionFilter(parsing: "client_reference_id")
        #expect(filter.reasonToIgnore(try session(clientReference: "cart-7")) == nil)
        #expect(filter.reasonToIgnore(try session()) != nil)
    }

    @Test(arguments: ["shop=demo", "metadata.", "metadata.=x", "metadata.shop=", "metadata.shop=demo,", "livemode=true"])
    func aConditionThatDoesNotParseIsRefusedWithWhatIsAccepted(text: String) {
        #expect {
            try SessionFilter(parsing: text)
        } throws: { error in
            "\(error)".contains("FULFILL_WHEN") && "\(error)".contains("metadata.KEY=VALUE")
        }
    }
}
