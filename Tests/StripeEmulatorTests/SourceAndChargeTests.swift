import StripeAPI
import TestSupport
import Testing

@Suite struct SourceAndChargeTests {
    func redirectSource(_ harness: EmulatorHarness, type: String = "ideal", amount: Int = 2500, extra: [FormField] = [])
        async throws -> Source
    {
        var fields = [
            FormField("type", .string(type)), FormField("amount", .int(amount)), FormField("currency", "eur"),
            FormField("owner", ["email": "jenny@example.com", "name": "Jenny Rosen"]),
            FormField("redirect", ["return_url": "https://shop.example/orders/ord_1"]),
            FormField("metadata", ["order_id": "ord_1"]),
        ]
        fields.append(contentsOf: extra)
        return try await harness.client.createSource(.object(fields))
    }

    @Test func aCardSourceIsChargeableAtOnceAndItsChargeSucceeds() async throws {
        try await EmulatorHarness.run { harness in
            let source = try await harness.client.createSource(["type": "card", "token": "tok_visa", "usage": "single_use", "amount": 1000, "currency": "usd"])
            #expect(source.status == .chargeable)
            #expect(source.flow == SourceFlow.none)
            let charge = try await harness.client.createCharge(
                ["amount": 1000, "currency": "usd", "source": .string(source.id), "metadata": ["order_id": "ord_9"]],
                idempotencyKey: "ord_9")
            #expect(charge.status == .succeeded)
            #expect(charge.paid)
            #expect(charge.source == source.id)
            #expect(charge.metadata == ["order_id": "ord_9"])
            #expect(try await harness.client.retrieveSource(source.id).status == .consumed)
            let second = try await harness.raw(.post, "/v1/charges", ["amount": 1000, "currency": "usd", "source": .string(source.id)])
            #expect(second.status == 400 && second.errorCode == "source_unavailable")
            _ = try await harness.receiver.waitFor("charge.succeeded") { $0.contains { $0.eventType == "charge.succeeded" } }
        }
    }

    @Test func aDeclinedCardIsA402CardErrorAndAFailedCharge() async throws {
        try await EmulatorHarness.run { harness in
            let source = try await harness.client.createSource(["type": "card", "card": ["number": "4000000000000002", "exp_month": 12, "exp_year": 2034]])
            do {
                _ = try await harness.client.createCharge(["amount": 500, "currency": "eur", "source": .string(source.id)])
                Issue.record("a decline must throw")
            } catch let error as StripeError {
                #expect(error.httpStatus == 402)
                #expect(error.kind == .card)
                #expect(error.details.code == "card_declined")
                #expect(error.details.declineCode == "generic_decline")
                let chargeID = try #require(error.details.charge)
                let charge = try await harness.client.retrieveCharge(chargeID)
                #expect(charge.status == .failed)
                #expect(charge.failureCode == "card_declined")
            }
            _ = try await harness.receiver.waitFor("charge.failed") { $0.contains { $0.eventType == "charge.failed" } }
        }
    }

    @Test func aRedirectSourceWaitsForTheCustomerThenCharges() async throws {
        try await EmulatorHarness.run { harness in
            let source = try await redirectSource(harness)
            #expect(source.status == .pending)
            #expect(source.flow == .redirect)
            let redirect = try #require(source.redirect)
            #expect(redirect.status == "pending")
            #expect(redirect.url.hasPrefix("\(harness.baseURL)/sources/\(source.id)/authorize"))
            let early = try await harness.raw(.post, "/v1/charges", ["amount": 2500, "currency": "eur", "source": .string(source.id)])
            #expect(early.status == 400, "a pending source cannot be charged")
            let authorized = try await harness.control("/sources/\(source.id)/authorize", ["outcome": "chargeable"])
            #expect(authorized.json["redirect_url"]?.stringValue?.hasPrefix("https://shop.example/orders/ord_1?client_secret=") == true)
            #expect(authorized.json["redirect_url"]?.stringValue?.hasSuffix("&livemode=false&source=\(source.id)") == true)
            #expect(try await harness.client.retrieveSource(source.id).redirect?.status == "succeeded")
            let wrongAmount = try await harness.raw(.post, "/v1/charges", ["amount": 2400, "currency": "eur", "source": .string(source.id)])
            #expect(wrongAmount.status == 400 && wrongAmount.errorParam == "amount")
            let charge = try await harness.client.createCharge(["amount": 2500, "currency": "eur", "source": .string(source.id)])
            #expect(charge.status == .succeeded)
            let types = try await harness.receiver.waitFor("chargeable then succeeded") { $0.contains { $0.eventType == "charge.succeeded" } }
                .map(\.eventType).filter { $0.hasPrefix("source.") || $0.hasPrefix("charge.") }
            #expect(types == ["source.chargeable", "charge.succeeded"])
        }
    }

    @Test func theAuthorisationPageAuthorisesFailsOrIsAbandoned() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let source = try await redirectSource(harness)
            let url = try #require(source.redirect?.url).replacing(harness.baseURL, with: "")
            let wrongSecret = try await harness.raw(.get, "/sources/\(source.id)/authorize?client_secret=nope", apiKey: nil)
            #expect(wrongSecret.status == 404)
            let page = try await harness.raw(.get, url, apiKey: nil)
            #expect(page.status == 200 && page.text.contains("Authorize Test Payment") && page.text.contains("€25.00"))
            #expect(page.text.contains("id=\"abandon\""))
            let posted = try await harness.raw(
                .post, "/sources/\(source.id)/authorize", ["client_secret": .string(source.clientSecret), "action": "fail"], apiKey: nil)
            #expect(posted.status == 302)
            #expect(posted.header("Location")?.hasPrefix("https://shop.example/orders/ord_1?") == true)
            let failed = try await harness.client.retrieveSource(source.id)
            #expect(failed.status == .failed)
            #expect(failed.redirect?.failureReason == "user_abort")
        }
    }

    @Test func refusedCanceledAndAbandonedSourcesEndWithTheirEvents() async throws {
        try await EmulatorHarness.run { harness in
            let refused = try await redirectSource(harness)
            let canceled = try await redirectSource(harness, type: "bancontact")
            let abandoned = try await redirectSource(harness, type: "sofort", extra: [FormField("sofort", ["country": "DE"])])
            let unused = try await redirectSource(harness)
            try await harness.control("/sources/\(refused.id)/authorize", ["outcome": "failed"])
            try await harness.control("/sources/\(canceled.id)/authorize", ["outcome": "canceled"])
            try await harness.control("/sources/\(unused.id)/authorize", ["outcome": "chargeable"])
            #expect(try await harness.client.retrieveSource(refused.id).status == .failed)
            #expect(try await harness.client.retrieveSource(canceled.id).status == .canceled)
            try await harness.control("/clock/advance", ["seconds": .int(6 * 3600 + 1)])
            #expect(try await harness.client.retrieveSource(abandoned.id).status == .canceled, "pending past expiry")
            #expect(try await harness.client.retrieveSource(unused.id).status == .canceled, "chargeable but never charged")
            let deliveries = try await harness.receiver.waitFor("four endings") {
                $0.filter { $0.eventType == "source.canceled" }.count == 3 && $0.contains { $0.eventType == "source.failed" }
            }
            let canceledIDs = Set(deliveries.filter { $0.eventType == "source.canceled" }.compactMap { $0.event["data"]?["object"]?["id"]?.stringValue })
            #expect(canceledIDs == [canceled.id, abandoned.id, unused.id])
        }
    }

    @Test(arguments: [("DE89370400440532013000", "charge.succeeded", ChargeStatus.succeeded),
                      ("DE62370400440532013001", "charge.failed", ChargeStatus.failed)])
    func aSEPADebitIsPendingThenSettles(iban: String, finalEvent: String, finalStatus: ChargeStatus) async throws {
        try await EmulatorHarness.run { harness in
            let customer = try await harness.client.createCustomer(["email": "jenny@example.com"])
            let source = try await harness.client.createSource([
                "type": "sepa_debit", "currency": "eur", "sepa_debit": ["iban": .string(iban)], "owner": ["name": "Jenny Rosen"],
            ])
            #expect(source.status == .chargeable)
            #expect(source.usage == .reusable)
            _ = try await harness.client.attachSource(customerID: customer.id, sourceID: source.id)
            let charge = try await harness.client.createCharge(["amount": 4200, "currency": "eur", "customer": .string(customer.id)])
            #expect(charge.status == .pending)
            #expect(!charge.paid)
            #expect(try await harness.client.retrieveSource(source.id).status == .chargeable, "a customer's reusable source stays usable")
            try await harness.control("/clock/advance", ["seconds": .int(3 * 24 * 3600 + 1)])
            #expect(try await harness.client.retrieveCharge(charge.id).status == finalStatus)
            let types = try await harness.receiver.waitFor(finalEvent) { $0.contains { $0.eventType == finalEvent } }
                .map(\.eventType).filter { $0.hasPrefix("charge.") }
            #expect(types == ["charge.pending", finalEvent])
        }
    }

    @Test func aPublishableKeyReadsASourceOnlyWithItsClientSecret() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let created = try await harness.raw(
                .post, "/v1/sources",
                ["type": "ideal", "amount": 100, "currency": "eur", "redirect": ["return_url": "https://shop.example/r"]],
                apiKey: "pk_test_browser")
            #expect(created.status == 200)
            let id = try #require(created.json["id"]?.stringValue)
            let secret = try #require(created.json["client_secret"]?.stringValue)
            let withSecret = try await harness.raw(.get, "/v1/sources/\(id)", ["client_secret": .string(secret)], apiKey: "pk_test_browser")
            #expect(withSecret.status == 200)
            let without = try await harness.raw(.get, "/v1/sources/\(id)", apiKey: "pk_test_browser")
            #expect(without.status == 404)
        }
    }

    @Test func validatesSourceParameters() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let noAmount = try await harness.raw(.post, "/v1/sources", ["type": "ideal", "currency": "eur", "redirect": ["return_url": "https://x.example"]])
            #expect(noAmount.errorParam == "amount")
            let noReturn = try await harness.raw(.post, "/v1/sources", ["type": "ideal", "amount": 100, "currency": "eur"])
            #expect(noReturn.errorParam == "redirect[return_url]")
            let dollars = try await harness.raw(.post, "/v1/sources", ["type": "ideal", "amount": 100, "currency": "usd", "redirect": ["return_url": "https://x.example"]])
            #expect(dollars.errorParam == "currency")
            let badIBAN = try await harness.raw(.post, "/v1/sources", ["type": "sepa_debit", "currency": "eur", "sepa_debit": ["iban": "123"]])
            #expect(badIBAN.errorCode == "invalid_bank_account_iban")
            let unknownType = try await harness.raw(.post, "/v1/sources", ["type": "alipay"])
            #expect(unknownType.errorParam == "type")
        }
    }

    @Test func threeDSecureSourcesWrapACardAndFollowItsOutcome() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let card = try await harness.client.createSource(["type": "card", "token": "tok_visa"])
            let secure = try await redirectSource(harness, type: "three_d_secure", amount: 900, extra: [FormField("three_d_secure", ["card": .string(card.id)])])
            #expect(secure.status == .pending)
            try await harness.control("/sources/\(secure.id)/authorize", ["outcome": "chargeable"])
            let charge = try await harness.client.createCharge(["amount": 900, "currency": "eur", "source": .string(secure.id)])
            #expect(charge.status == .succeeded)
        }
    }

    @Test func listsChargesNewestFirst() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let first = try await harness.client.createCharge(["amount": 100, "currency": "usd", "source": "tok_visa"])
            let second = try await harness.client.createCharge(["amount": 200, "currency": "usd", "source": "tok_visa"])
            let list = try await harness.raw(.get, "/v1/charges")
            #expect(list.json["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [second.id, first.id])
        }
    }
}
