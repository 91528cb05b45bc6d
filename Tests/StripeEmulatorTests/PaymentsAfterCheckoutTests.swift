import StripeAPI
import TestSupport
import Testing

/// What a paid Checkout Session leaves behind on the emulator (a PaymentIntent and its charge), and what can
/// happen to it afterwards: refunds through the API, disputes through test control.
@Suite struct PaymentsAfterCheckoutTests {
    @Test func aPaidSessionHasASucceededPaymentIntentAndChargeAnnouncedBeforeTheSession() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let price = try await harness.createPrice(amount: 2500)
            let session = try await harness.createSession([(price.id, 2)])
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid"])
            let paid = try await harness.raw(.get, "/v1/checkout/sessions/\(session.id)", ["expand": ["payment_intent"]])
            let intent = paid.json["payment_intent"]
            #expect(intent?["object"]?.stringValue == "payment_intent")
            #expect(intent?["status"]?.stringValue == "succeeded" && intent?["amount_received"]?.intValue == 5000)
            let chargeID = try #require(intent?["latest_charge"]?.stringValue)
            let charge = try await harness.client.retrieveCharge(chargeID)
            #expect(charge.paymentIntent == intent?["id"]?.stringValue && charge.status == .succeeded && charge.amount == 5000)
            #expect(charge.source == nil, "a PaymentIntent's charge has no source")
            let types = try await harness.client.listEvents(["limit": 3]).data.map(\.type.rawValue)
            #expect(types == ["checkout.session.completed", "payment_intent.succeeded", "charge.succeeded"])
        }
    }

    @Test func aFreeSessionHasNoPaymentIntentAndADeclinedOneStaysWithoutCharge() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let free = try await harness.createSession([(try await harness.createPrice(amount: 0).id, 1)])
            try await harness.control("/checkout/sessions/\(free.id)/complete", ["outcome": "paid"])
            #expect(try await harness.client.retrieveCheckoutSession(free.id).paymentIntent == nil)
            let declined = try await harness.createSession([(try await harness.createPrice().id, 1)])
            try await harness.control("/checkout/sessions/\(declined.id)/complete", ["outcome": "declined"])
            #expect(try await harness.raw(.get, "/v1/charges").json["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test(arguments: [("delayed_success", "succeeded", "succeeded"), ("delayed_failure", "failed", "requires_payment_method")])
    func aDelayedPaymentIsProcessingUntilItSettles(outcome: String, chargeStatus: String, intentStatus: String) async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let session = try await harness.createSession([(try await harness.createPrice().id, 1)])
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": .string(outcome)])
            let intentID = try #require(try await harness.client.retrieveCheckoutSession(session.id).paymentIntent)
            var intent = try await harness.raw(.get, "/v1/payment_intents/\(intentID)", ["expand": ["latest_charge"]]).json
            #expect(intent["status"]?.stringValue == "processing" && intent["latest_charge"]?["status"]?.stringValue == "pending")
            try await harness.control("/clock/advance", ["seconds": .int(4 * 24 * 3600)])
            intent = try await harness.raw(.get, "/v1/payment_intents/\(intentID)", ["expand": ["latest_charge"]]).json
            #expect(intent["status"]?.stringValue == intentStatus)
            #expect(intent["latest_charge"]?["status"]?.stringValue == chargeStatus)
            #expect((intent["last_payment_error"] == .null) == (outcome == "delayed_success"))
            let types = try await harness.client.listEvents(["limit": 3]).data.map(\.type.rawValue)
            #expect(types.first?.hasPrefix("checkout.session.async_payment_") == true, "the session's event comes last: \(types)")
            #expect(types.contains("charge.\(chargeStatus)"))
        }
    }

    @Test func refundsArePartialOrFullByChargeOrPaymentIntentAndNeverExceedTheCharge() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let session = try await harness.createSession([(try await harness.createPrice(amount: 3000).id, 1)])
            try await harness.control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid"])
            let intentID = try #require(try await harness.client.retrieveCheckoutSession(session.id).paymentIntent)
            let chargeID = try #require(try await harness.raw(.get, "/v1/payment_intents/\(intentID)").json["latest_charge"]?.stringValue)

            let partial = try await harness.raw(.post, "/v1/refunds", ["charge": .string(chargeID), "amount": 1000, "reason": "requested_by_customer"])
            #expect(partial.status == 200 && partial.json["amount"]?.intValue == 1000 && partial.json["payment_intent"]?.stringValue == intentID)
            var charge = try await harness.client.retrieveCharge(chargeID)
            #expect(charge.amountRefunded == 1000 && !charge.refunded)

            let tooMuch = try await harness.raw(.post, "/v1/refunds", ["payment_intent": .string(intentID), "amount": 2001])
            #expect(tooMuch.status == 400 && tooMuch.errorCode == "amount_too_large" && tooMuch.errorParam == "amount")
            let both = try await harness.raw(.post, "/v1/refunds", ["payment_intent": .string(intentID), "charge": .string(chargeID)])
            #expect(both.status == 400)
            let badReason = try await harness.raw(.post, "/v1/refunds", ["charge": .string(chargeID), "reason": "changed_mind"])
            #expect(badReason.status == 400 && badReason.errorParam == "reason")

            let rest = try await harness.raw(.post, "/v1/refunds", ["payment_intent": .string(intentID)])
            #expect(rest.json["amount"]?.intValue == 2000)
            charge = try await harness.client.retrieveCharge(chargeID)
            #expect(charge.amountRefunded == 3000 && charge.refunded)
            let again = try await harness.raw(.post, "/v1/refunds", ["charge": .string(chargeID)])
            #expect(again.status == 400 && again.errorCode == "charge_already_refunded")

            let fetched = try await harness.raw(.get, "/v1/refunds/\(partial.json["id"]?.stringValue ?? "")")
            #expect(fetched.json["amount"]?.intValue == 1000)
            let listed = try await harness.raw(.get, "/v1/refunds", ["payment_intent": .string(intentID)])
            #expect(listed.json["data"]?.arrayValue?.count == 2)
            let refundedEvents = try await harness.client.listEvents(["type": "charge.refunded"]).data
            #expect(refundedEvents.count == 2 && refundedEvents.allSatisfy { $0.objectID == chargeID })
        }
    }

    @Test func aSourceChargeRefundsTooAndAFailedOneCannot() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let charge = try await harness.client.createCharge(["amount": 700, "currency": "usd", "source": "tok_visa"])
            let refund = try await harness.raw(.post, "/v1/refunds", ["charge": .string(charge.id)])
            #expect(refund.status == 200 && refund.json["payment_intent"] == .null && refund.json["amount"]?.intValue == 700)
            let declined = try await harness.raw(.post, "/v1/charges", ["amount": 700, "currency": "usd", "source": "tok_chargeDeclined"])
            let declinedID = try #require(declined.json["error"]?["charge"]?.stringValue)
            let refused = try await harness.raw(.post, "/v1/refunds", ["charge": .string(declinedID)])
            #expect(refused.status == 400 && refused.errorCode == "charge_not_refundable")
        }
    }

    @Test func aDisputeOpensOnASucceededChargeAndClosesOnceWonOrLost() async throws {
        try await EmulatorHarness.run(forwardWebhooks: false) { harness in
            let charge = try await harness.client.createCharge(["amount": 900, "currency": "eur", "source": "tok_visa"])
            let opened = try await harness.control("/charges/\(charge.id)/dispute", ["reason": "product_not_received"])
            #expect(opened.status == 200 && opened.json["status"]?.stringValue == "needs_response")
            let disputeID = try #require(opened.json["id"]?.stringValue)
            #expect(try await harness.client.retrieveCharge(charge.id).disputed)
            #expect(try await harness.control("/charges/\(charge.id)/dispute").status == 400, "one dispute per charge")
            #expect(try await harness.control("/disputes/\(disputeID)/close", ["outcome": "maybe"]).status == 400)
            let lost = try await harness.control("/disputes/\(disputeID)/close", ["outcome": "lost"])
            #expect(lost.json["status"]?.stringValue == "lost")
            let closedAgain = try await harness.control("/disputes/\(disputeID)/close", ["outcome": "won"])
            #expect(closedAgain.status == 400 && closedAgain.errorCode == "dispute_already_closed")
            let types = try await harness.client.listEvents(["type": "charge.dispute.*"]).data.map(\.type.rawValue)
            #expect(types == ["charge.dispute.closed", "charge.dispute.created"])
            #expect(try await harness.raw(.get, "/v1/disputes/\(disputeID)").json["status"]?.stringValue == "lost")
            #expect(try await harness.control("/charges/ch_missing/dispute").status == 404)
        }
    }
}
