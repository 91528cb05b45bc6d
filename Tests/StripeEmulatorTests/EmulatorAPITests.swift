import StripeAPI
import TestSupport
import Testing

@Suite struct EmulatorAPITests {
    @Test func answersEveryRequestWithARequestIdIncludingErrors() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let ok = try await harness.raw(.get, "/v1/products")
            let missing = try await harness.raw(.get, "/v1/products/prod_nope")
            #expect(ok.status == 200)
            #expect(missing.status == 404)
            #expect(missing.errorCode == "resource_missing")
            for response in [ok, missing] {
                #expect(response.header("Request-Id")?.hasPrefix("req_") == true)
            }
            #expect(ok.header("Request-Id") != missing.header("Request-Id"))
        }
    }

    @Test func rejectsMissingAndNonTestKeysWithStripesAuthenticationError() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let none = try await harness.raw(.get, "/v1/products", apiKey: nil)
            #expect(none.status == 401)
            #expect(none.errorType == "invalid_request_error")
            #expect(none.json["error"]?["message"]?.stringValue?.contains("did not provide an API key") == true)
            let live = try await harness.raw(.get, "/v1/products", apiKey: "sk_live_abcdefghijklmnop")
            #expect(live.status == 401)
            #expect(live.text.contains("sk_live_") && !live.text.contains("abcdefghijklmnop"), "the key is redacted")
            let publishable = try await harness.raw(.get, "/v1/charges", apiKey: "pk_test_abcdefghijkl")
            #expect(publishable.status == 401)
        }
    }

    @Test func answersUnknownURLsAndUnknownParametersInStripesEnvelope() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let unknownURL = try await harness.raw(.get, "/v1/refunds_and_more")
            #expect(unknownURL.status == 404)
            #expect(unknownURL.json["error"]?["message"]?.stringValue == "Unrecognized request URL (GET: /v1/refunds_and_more).")
            let unknownParameter = try await harness.raw(.post, "/v1/products", ["name": "A", "colour": "red"])
            #expect(unknownParameter.status == 400)
            #expect(unknownParameter.errorParam == "colour")
            let json = try await harness.raw(
                .post, "/v1/products", headers: [("Content-Type", "application/json")], body: #"{"name":"A"}"#)
            #expect(json.status == 400)
            let malformed = try await harness.raw(.post, "/v1/products", body: "name=A&metadata[a=1")
            #expect(malformed.status == 400)
            #expect(malformed.errorType == "invalid_request_error")
        }
    }

    @Test func createsRetrievesAndListsProductsAndPricesWithExpansion() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(name: "Mug", amount: 1200, metadata: ["fulfilment": "ship"])
            #expect(price.unitAmount == 1200)
            #expect(price.currency == "eur")
            let product = try await harness.client.retrieveProduct(price.product.id)
            #expect(product.name == "Mug")
            #expect(product.metadata == ["fulfilment": "ship"])
            let expanded = try await harness.client.retrievePrice(price.id, expand: ["product"])
            #expect(expanded.product.expanded?.name == "Mug")
            let second = try await harness.createPrice(name: "Book")
            let list = try await harness.raw(.get, "/v1/prices", ["limit": 1])
            #expect(list.json["data"]?.arrayValue?.first?["id"]?.stringValue == second.id, "newest first")
            #expect(list.json["has_more"] == true)
            let products = try await harness.raw(.get, "/v1/products")
            #expect(products.json["data"]?.arrayValue?.count == 2)
        }
    }

    @Test func createsCustomersAndAttachesReusableSources() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let customer = try await harness.client.createCustomer(["email": "jenny@example.com", "name": "Jenny"])
            let sepa = try await harness.client.createSource([
                "type": "sepa_debit", "currency": "eur", "sepa_debit": ["iban": "DE89370400440532013000"],
            ])
            let attached = try await harness.client.attachSource(customerID: customer.id, sourceID: sepa.id)
            #expect(attached.customer == customer.id)
            let reloaded = try await harness.client.retrieveCustomer(customer.id)
            #expect(reloaded.defaultSource == sepa.id)
            #expect(reloaded.email == "jenny@example.com")
            let single = try await harness.client.createSource([
                "type": "ideal", "amount": 500, "currency": "eur", "redirect": ["return_url": "https://shop.example/r"],
            ])
            let refused = try await harness.raw(.post, "/v1/customers/\(customer.id)/sources", ["source": .string(single.id)])
            #expect(refused.status == 400)
        }
    }
}
