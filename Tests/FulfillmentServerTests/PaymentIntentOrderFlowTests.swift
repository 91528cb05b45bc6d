import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Orders on PaymentIntents end to end: the service and the emulator on loopback, every webhook delivered twice
/// and shuffled, the customer's answers on the bank's page given through the emulator's test control.
@Suite("Orders: PaymentIntents", .serialized)
struct PaymentIntentOrderFlowTests {
    static let faults: FormValue = ["duplicate": 2, "shuffle_window": 4, "shuffle_hold_ms": 300]

    func intentID(_ harness: ServiceHarness, _ orderID: String) async throws -> String {
        try #require(try await harness.store.order(id: orderID)?.paymentIntentID)
    }

    func intent(_ harness: ServiceHarness, _ id: String) async throws -> JSONValue {
        try await harness.stripeAPI("GET", "/v1/payment_intents/\(id)").json
    }

    /// Waits until nothing is pending and the duplicates have been handled.
    func settle(_ harness: ServiceHarness) async throws {
        #expect(try await harness.control("/webhooks/drain").status == 200)
        try await harness.waitForInboxDrained()
    }

    @Test func anIDEALOrderIsPaidOnTheBanksPageAndFulfilledOnceWhileTwentyPollsRace() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", Self.faults)
            let reply = try await harness.paymentIntentOrder("ideal", extra: ["ideal_bank": "ing"])
            let id = try #require(reply.json["id"]?.stringValue)
            let intentID = try #require(reply.json["payment_intent"]?.stringValue)
            #expect(reply.json["payment_flow"]?.stringValue == "payment_intents")
            #expect(reply.json["payment_intent_status"]?.stringValue == "requires_action")
            #expect(reply.json["next_url"]?.stringValue?.hasPrefix(harness.emulatorURL + "/payment_intents/\(intentID)/authorize") == true)
            let atStripe = try await intent(harness, intentID)
            #expect(atStripe["metadata"]?["order_id"]?.stringValue == id)
            #expect(atStripe["next_action"]?["redirect_to_url"]?["return_url"]?.stringValue == "http://shop.test/orders/\(id)")

            try await harness.authorizeIntent(intentID, "succeed")
            // Twenty status polls race the webhook: each may look at Stripe; none pays twice.
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { try await harness.get("/api/orders/\(id)").status } }
                for try await status in group { #expect(status == 200) }
            }
            try await harness.waitForOrder(id, .paid)
            try await settle(harness)
            try await harness.eventually("confirmation sent") { !harness.sentEmails("order_confirmed:\(id)").isEmpty }
            #expect(try await harness.charges(forOrder: id).map { $0["status"]?.stringValue } == ["succeeded"])
            #expect(harness.sentEmails("order_confirmed:\(id)").count == 1)
            #expect(try await harness.store.purchase(subjectID: id)?.status == .fulfilled)
            let status = try await harness.get("/api/orders/\(id)")
            #expect(status.json["state"]?.stringValue == "confirmed" && status.json["payment_intent_status"]?.stringValue == "succeeded")
            #expect(try await harness.store.listEvents(status: .dead, limit: 10).isEmpty)
        }
    }

    @Test func aFailedIDEALPaymentLeavesTheOrderOpenAndBancontactPaysTheSameOrder() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", Self.faults)
            let id = try #require(try await harness.paymentIntentOrder("ideal").json["id"]?.stringValue)
            let intentID = try await intentID(harness, id)
            try await harness.authorizeIntent(intentID, "fail")
            try await harness.eventually("the failed attempt recorded") { try await harness.store.order(id: id)?.canPayAgain == true }
            try await settle(harness)
            let open = try await harness.get("/api/orders/\(id)")
            #expect(open.json["status"]?.stringValue == "awaiting_payment" && open.json["can_pay_again"]?.boolValue == true)
            #expect(open.json["final"]?.boolValue == false)
            try await harness.eventually("payment failed email") {
                harness.emails.sent.contains { $0.email.dedupeKey.hasPrefix("order_payment_failed:\(id):") }
            }
            #expect(harness.sentEmails("order_failed:\(id)").isEmpty, "the order is not canceled")

            let again = try await harness.post(
                "/api/orders/\(id)/payment", body: #"{"payment_method": "bancontact"}"#, headers: [("Content-Type", "application/json")])
            #expect(again.status == 200, "\(again.text)")
            #expect(again.json["payment_intent"]?.stringValue == intentID, "the same PaymentIntent")
            #expect(again.json["next_url"]?.stringValue?.contains("/payment_intents/\(intentID)/authorize") == true)
            // A second click after the same failure, even with other details (a retry through another instance,
            // another choice), makes no second attempt: the answer is where the first one stands.
            for body in [#"{"payment_method": "bancontact"}"#, #"{"payment_method": "ideal", "ideal_bank": "ing"}"#] {
                let doubleClick = try await harness.post("/api/orders/\(id)/payment", body: body, headers: [("Content-Type", "application/json")])
                #expect(doubleClick.status == 200, "\(doubleClick.text)")
                #expect(doubleClick.json["payment_method"]?.stringValue == "bancontact" && doubleClick.json["payment_intent"]?.stringValue == intentID)
            }
            #expect(try await intent(harness, intentID)["payment_method_types"]?.arrayValue == ["bancontact"])
            try await harness.authorizeIntent(intentID, "succeed")
            try await harness.waitForOrder(id, .paid)
            try await settle(harness)
            try await harness.eventually("confirmation sent") { !harness.sentEmails("order_confirmed:\(id)").isEmpty }
            let charges = try await harness.charges(forOrder: id).compactMap { $0["status"]?.stringValue }.sorted()
            #expect(charges == ["failed", "succeeded"])
            #expect(harness.sentEmails("order_confirmed:\(id)").count == 1)
            #expect(harness.emails.sent.filter { $0.email.dedupeKey.hasPrefix("order_payment_failed:\(id):") }.count == 1)
            let order = try #require(try await harness.store.order(id: id))
            #expect(order.paymentMethod == .bancontact && order.status == .paid)
            #expect(try await harness.store.purchase(subjectID: id)?.status == .fulfilled)
        }
    }

    @Test func aSEPADebitIsOnItsWayUntilItSettlesAndTheFailingIBANLeavesTheOrderOpen() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", Self.faults)
            let good = try await harness.paymentIntentOrder(
                "sepa_debit", extra: ["iban": "DE89370400440532013000", "mandate_accepted": true])
            let goodID = try #require(good.json["id"]?.stringValue)
            #expect(good.json["status"]?.stringValue == "charge_pending" && good.json["state"]?.stringValue == "charge_pending")
            let bad = try await harness.paymentIntentOrder(
                "sepa_debit", extra: ["iban": "DE62370400440532013001", "mandate_accepted": true])
            let badID = try #require(bad.json["id"]?.stringValue)
            let mandate = try await intent(harness, try await intentID(harness, goodID))
            #expect(mandate["status"]?.stringValue == "processing")

            try await harness.advanceEmulatorClock(seconds: 8 * 24 * 3600)
            try await harness.waitForOrder(goodID, .paid)
            try await harness.eventually("the failed debit recorded") { try await harness.store.order(id: badID)?.canPayAgain == true }
            try await settle(harness)
            #expect(try await harness.store.order(id: badID)?.status == .awaitingPayment)
            try await harness.eventually("emails") {
                !harness.sentEmails("order_confirmed:\(goodID)").isEmpty
                    && harness.emails.sent.contains { $0.email.dedupeKey.hasPrefix("order_payment_failed:\(badID):") }
            }
            #expect(try await harness.store.purchase(subjectID: badID) == nil, "nothing fulfilled for the failed debit")
        }
    }

    @Test func aCardNeeding3DSecureAndADeclinedCardFollowedByPmCardVisa() async throws {
        try await ServiceHarness.run { harness in
            try await harness.control("/faults", Self.faults)
            let secure = try await harness.paymentIntentOrder("card", extra: ["payment_method_id": "pm_card_threeDSecure2Required"])
            let secureID = try #require(secure.json["id"]?.stringValue)
            #expect(secure.json["payment_intent_status"]?.stringValue == "requires_action")
            try await harness.authorizeIntent(try await intentID(harness, secureID), "succeed")
            try await harness.waitForOrder(secureID, .paid)

            let declined = try await harness.paymentIntentOrder("card", extra: ["payment_method_id": "pm_card_chargeDeclined"])
            let declinedID = try #require(declined.json["id"]?.stringValue)
            #expect(declined.json["status"]?.stringValue == "awaiting_payment" && declined.json["can_pay_again"]?.boolValue == true)
            #expect(declined.json["failure_reason"]?.stringValue?.contains("declined") == true)
            let visa = try await harness.post(
                "/api/orders/\(declinedID)/payment", body: #"{"payment_method": "card", "payment_method_id": "pm_card_visa"}"#,
                headers: [("Content-Type", "application/json")])
            #expect(visa.status == 200 && visa.json["status"]?.stringValue == "paid", "\(visa.text)")
            try await settle(harness)
            try await harness.eventually("both confirmed") {
                !harness.sentEmails("order_confirmed:\(secureID)").isEmpty && !harness.sentEmails("order_confirmed:\(declinedID)").isEmpty
            }
            #expect(try await harness.charges(forOrder: declinedID).compactMap { $0["status"]?.stringValue }.sorted() == ["failed", "succeeded"])
            let paidAgain = try await harness.post(
                "/api/orders/\(declinedID)/payment", body: #"{"payment_method": "card", "payment_method_id": "pm_card_visa"}"#,
                headers: [("Content-Type", "application/json")])
            #expect(paidAgain.status == 409, "a paid order cannot be paid again")
        }
    }

    @Test func aFullRefundOfAPaymentIntentOrderRevokesItsAccess() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let reply = try await harness.paymentIntentOrder(
                "card", extra: ["items": [["price": .string(course.id), "quantity": 1]], "payment_method_id": "pm_card_visa"], key: nil)
            let id = try #require(reply.json["id"]?.stringValue)
            #expect(reply.json["status"]?.stringValue == "paid")
            try await harness.eventually("order fulfilled") { try await harness.store.purchase(subjectID: id)?.status == .fulfilled }
            let record = try #require(try await harness.store.purchase(subjectID: id))
            guard case .accessGranted(let url)? = record.lines.first?.outcome else { throw ServiceHarness.TimedOut(description: "no access") }
            let accessPath = String(url.dropFirst("http://shop.test".count))
            #expect(try await harness.get(accessPath).status == 200)
            let chargeID = try #require(try await harness.store.order(id: id)?.chargeID)
            try await harness.refund(charge: chargeID)
            try await harness.waitForAfterPayment(id, "refunded") { $0.state.refundedAmount == 4900 }
            #expect(try await harness.get(accessPath).status == 403)
            let status = try await harness.get("/api/orders/\(id)")
            #expect(status.json["refunded_amount"]?.intValue == 4900 && status.json["access"]?.stringValue == "revoked")
        }
    }

    @Test func anOrderNotPaidWithinThePaymentWindowIsCanceledWithItsPaymentIntent() async throws {
        try await ServiceHarness.run { harness in
            let id = try #require(try await harness.paymentIntentOrder("ideal").json["id"]?.stringValue)
            let intentID = try await intentID(harness, id)
            let window = OrderPaymentWindow(payments: harness.service.payments, window: .seconds(24 * 3600))
            #expect(try await window.cancelOverdue() == 0, "not overdue yet")
            harness.clock.advance(25 * 3600)
            #expect(try await window.cancelOverdue() == 1)
            #expect(try await intent(harness, intentID)["status"]?.stringValue == "canceled")
            let order = try #require(try await harness.store.order(id: id))
            #expect(order.status == .canceled && order.failureReason?.contains("not completed in time") == true)
            try await harness.eventually("customer told") { !harness.sentEmails("order_failed:\(id)").isEmpty }
            #expect(try await window.cancelOverdue() == 0, "once")
            try await settle(harness)
            #expect(try await harness.store.order(id: id)?.version == order.version, "the canceled webhook changes nothing more")
        }
    }

    @Test func badPaymentDetailsAre400sAndNothingIsCreatedAtStripe() async throws {
        try await ServiceHarness.run { harness in
            let bulbs = try await harness.price("Tulip bulbs", amount: 1000, metadata: [:])
            let customer = try await harness.stripeAPI("POST", "/v1/customers", ["email": "other@example.com"]).json
            let customerID = try #require(customer["id"]?.stringValue)
            let saved = try await harness.stripeAPI("POST", "/v1/payment_methods/pm_card_visa/attach", ["customer": .string(customerID)]).json
            let savedID = try #require(saved["id"]?.stringValue)
            let before = try await harness.stripeAPI("GET", "/v1/payment_intents", ["limit": 100]).json["data"]?.arrayValue?.count
            let cases: [([String: JSONValue], String)] = [
                (["payment_method": "sofort"], "SOFORT"),
                (["payment_method": "bitcoin"], "payment_method"),
                (["payment_method": "sepa_debit", "iban": "DE89370400440532013999", "mandate_accepted": true], "IBAN"),
                (["payment_method": "sepa_debit", "iban": "DE89370400440532013000"], "mandate"),
                (["payment_method": "card", "card_token": "tok_visa"], "card_token"),
                (["payment_method": "card", "payment_method_id": .string(savedID)], "another customer"),
                (
                    [
                        "payment_method": "card", "payment_method_id": "pm_card_visa", "off_session": true,
                        "items": [["price": .string(bulbs.id), "quantity": 1]],
                    ], "merchant"
                ),
                (["payment_method": "ideal", "payment_flow": "carrier_pigeon"], "payment_flow"),
            ]
            for (extra, reason) in cases {
                var fields: [String: JSONValue] = [
                    "items": [["name": "Tulip bulbs", "quantity": 1, "unit_amount": 1000]], "currency": "eur", "email": "sam@example.com",
                ]
                fields.merge(extra) { _, new in new }
                let key: String? = reason == "merchant" ? nil : ServiceHarness.orderAPIKey
                let reply = try await harness.createOrder(.object(fields), key: key)
                #expect([400, 403].contains(reply.status), "\(extra): \(reply.status) \(reply.text)")
                #expect(reply.json["error"]?.stringValue?.contains(reason) == true, "\(extra): \(reply.text)")
            }
            let after = try await harness.stripeAPI("GET", "/v1/payment_intents", ["limit": 100]).json["data"]?.arrayValue?.count
            #expect(before == after, "no PaymentIntent was created")
            // SOFORT stays reachable on the legacy flow.
            let legacy = try await harness.createOrder([
                "amount": 1000, "currency": "eur", "email": "sam@example.com", "payment_method": "sofort", "sofort_country": "DE",
                "payment_flow": "sources",
            ])
            #expect(legacy.status == 201 && legacy.json["payment_flow"]?.stringValue == "sources")
        }
    }

    @Test func theMerchantChargesASavedMethodOffSessionForANewOrder() async throws {
        try await ServiceHarness.run { harness in
            let bulbs = try await harness.price("Tulip bulbs", amount: 1250, metadata: [:])
            let first = try await harness.paymentIntentOrder(
                "card", extra: ["items": [["price": .string(bulbs.id), "quantity": 2]], "payment_method_id": "pm_card_visa", "usage": "reusable"],
                key: nil)
            let firstID = try #require(first.json["id"]?.stringValue)
            #expect(first.json["status"]?.stringValue == "paid")
            let order = try #require(try await harness.store.order(id: firstID))
            let customerID = try #require(order.customerID)
            let methods = try await harness.stripeAPI("GET", "/v1/payment_methods", ["customer": .string(customerID), "type": "card"]).json
            let savedID = try #require(methods["data"]?.arrayValue?.first?["id"]?.stringValue)

            let later = try await harness.paymentIntentOrder(
                "card", extra: ["customer": .string(customerID), "payment_method_id": .string(savedID), "off_session": true])
            #expect(later.json["status"]?.stringValue == "paid", "\(later.text)")
            let public_ = try await harness.createOrder(
                [
                    "items": [["name": "Tulip bulbs", "quantity": 1, "unit_amount": 1000]], "currency": "eur", "email": "sam@example.com",
                    "payment_method": "card", "customer": .string(customerID), "payment_method_id": .string(savedID),
                ], key: nil)
            #expect(public_.status == 400 || public_.status == 403, "only the merchant names a customer")

            // iDEAL cannot be saved itself: a reusable iDEAL order leaves a SEPA debit generated from its charge.
            let ideal = try await harness.paymentIntentOrder(
                "ideal", extra: ["items": [["price": .string(bulbs.id), "quantity": 1]], "usage": "reusable"], key: nil)
            let idealID = try #require(ideal.json["id"]?.stringValue)
            try await harness.authorizeIntent(try #require(ideal.json["payment_intent"]?.stringValue), "succeed")
            try await harness.waitForOrder(idealID, .paid)
            let idealOrder = try #require(try await harness.store.order(id: idealID))
            let idealCustomer = try #require(idealOrder.customerID)
            let generated = try await harness.stripeAPI(
                "GET", "/v1/payment_methods", ["customer": .string(idealCustomer), "type": "sepa_debit"]
            ).json["data"]?.arrayValue?.first
            #expect(generated?["sepa_debit"]?["generated_from"]?["charge"]?.stringValue == idealOrder.chargeID)
            let debit = try await harness.paymentIntentOrder(
                "sepa_debit",
                extra: [
                    "customer": .string(idealCustomer), "payment_method_id": .string(try #require(generated?["id"]?.stringValue)),
                    "off_session": true,
                ])
            #expect(debit.json["status"]?.stringValue == "charge_pending", "\(debit.text)")
        }
    }
}
