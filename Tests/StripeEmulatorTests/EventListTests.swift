import StripeAPI
import TestSupport
import Testing

@Suite struct EventListTests {
    @Test func listsEventsNewestFirstWithTypeFiltersAndWildcards() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice()
            let session = try await harness.createSession([(price.id, 1)])
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid"])
            _ = try await harness.client.createCharge(["amount": 100, "currency": "usd", "source": "tok_visa"])
            let all = try await harness.client.listEvents()
            // A paid session brings its charge and PaymentIntent events before its own, as on Stripe.
            #expect(
                all.data.map(\.type.rawValue) == [
                    "charge.succeeded", "checkout.session.completed", "payment_intent.succeeded", "charge.succeeded",
                    "price.created", "product.created",
                ])
            let checkout = try await harness.client.listEvents(["type": "checkout.session.*"])
            #expect(checkout.data.map(\.type) == [.checkoutSessionCompleted])
            let suffix = try await harness.client.listEvents(["type": "*.created"])
            #expect(suffix.data.map(\.type.rawValue) == ["price.created", "product.created"])
            let several = try await harness.client.listEvents(["types": ["charge.succeeded", "product.created"]])
            #expect(several.data.count == 3)
            let event = try await harness.client.retrieveEvent(checkout.data[0].id)
            #expect(event.objectID == session.id)
            #expect(event.request?.id == nil, "completed on the hosted page, not by an API request")
            let priceEvent = try #require(all.data.first { $0.type.rawValue == "price.created" })
            #expect(priceEvent.request?.id?.hasPrefix("req_") == true)
            let tooMany = try await harness.raw(.get, "/v1/events", ["types": .array((0..<21).map { .string("a.b\($0)") })])
            #expect(tooMany.status == 400)
        }
    }

    @Test func filtersByCreatedRangeAndPages() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            for index in 0..<5 { _ = try await harness.client.createProduct(["name": .string("P\(index)")]) }
            try await harness.control("/clock/advance", ["seconds": 1000])
            for index in 0..<3 { _ = try await harness.client.createProduct(["name": .string("Q\(index)")]) }
            let events = try await harness.client.listEvents(["limit": 100])
            let newest = events.data[0].created
            let recent = try await harness.client.listEvents(["created": ["gte": .int(newest - 10)]])
            #expect(recent.data.count == 3)
            let older = try await harness.client.listEvents(["created": ["lt": .int(newest - 10)]])
            #expect(older.data.count == 5)
            let paged = try await harness.client.events(pageSize: 3).collect()
            #expect(paged.map(\.id) == events.data.map(\.id))
        }
    }

    @Test func filtersByDeliverySuccess() async throws {
        try await EmulatorHarness.run(maxAttempts: 1) { harness in
            harness.receiver.failNext([500])
            _ = try await harness.client.createProduct(["name": "Fails"])
            try await harness.drain()
            _ = try await harness.client.createProduct(["name": "Succeeds"])
            try await harness.drain()
            let failed = try await harness.client.listEvents(["delivery_success": "false"])
            let delivered = try await harness.client.listEvents(["delivery_success": "true"])
            #expect(failed.data.count == 1)
            #expect(failed.data.first?.pendingWebhooks == 1)
            #expect(delivered.data.count == 1)
            #expect(delivered.data.first?.pendingWebhooks == 0)
        }
    }
}
