import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Fault run: Stripe answers every API request with 500 for ten minutes while payments complete (Checkout
/// Sessions paid, PaymentIntent orders authorised at the bank), on the production event schedule (2 s doubling
/// to ten minutes, ten attempts). Nothing is parked that would succeed later, and everything is fulfilled once
/// Stripe answers again. Time passes on the test clock, the emulator's included (its webhooks stay fresh).
@Suite struct StripeOutageTests {
    @Test func tenMinutesOfStripe500sParkNothingAndEverythingIsFulfilledAfter() async throws {
        try await ServiceHarness.run(emulatorSharesClock: true, configure: { $0.eventRetryBase = .seconds(2) }) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            var made = [CheckoutSession]()
            for index in 0..<6 {
                made.append(try await harness.session([(course.id, 1)], email: "outage\(index)@example.com", shipping: false))
            }
            let sessions = made.map(\.id)
            var orders: [(id: String, intent: String)] = []
            for _ in 0..<3 {
                let reply = try await harness.paymentIntentOrder("ideal", extra: ["ideal_bank": "ing"])
                orders.append((try #require(reply.json["id"]?.stringValue), try #require(reply.json["payment_intent"]?.stringValue)))
            }

            // Stripe fails every request from now on; the payments complete on Stripe's side all the same.
            try await harness.control("/faults", ["api_error_rate": "1", "api_error_status": "500"])
            for session in made { try await harness.pay(session) }
            for order in orders { try await harness.authorizeIntent(order.intent, "succeed") }
            try await harness.eventually("every event tried and failed") {
                let pending = try await harness.store.listEvents(status: .pending, limit: 100)
                return pending.count >= 9 && pending.allSatisfy { $0.attempts >= 1 && $0.lastError != nil }
            }

            // Ten minutes of it, in half-minute steps: each step, the worker retries what is due (and fails).
            for _ in 0..<20 {
                harness.clock.advance(30)
                try await Task.sleep(for: .milliseconds(300))
            }
            let during = try await harness.store.listEvents(status: .pending, limit: 100)
            #expect(try await harness.store.eventCounts()[.dead] == nil, "nothing parked during the outage")
            #expect(try await harness.store.eventCounts()[.orphaned] == nil)
            let attemptsDuring = during.map(\.attempts).max() ?? 0

            // Stripe answers again: within the next retry (at most ten minutes on), everything is done.
            try await harness.control("/faults", ["reset": "true"])
            var minutesAfter = 0
            let (paidSessions, paidOrders) = (sessions, orders)
            @Sendable func done() async throws -> Bool {
                for session in paidSessions where try await harness.store.purchase(subjectID: session)?.status != .fulfilled { return false }
                for order in paidOrders where try await harness.store.order(id: order.id)?.status != .paid { return false }
                return try await harness.store.eventCounts()[.pending] == nil
            }
            while try await !done(), minutesAfter < 15 {
                harness.clock.advance(60)
                minutesAfter += 1
                try await Task.sleep(for: .milliseconds(400))
            }
            try await harness.eventually("all fulfilled after the outage") { try await done() }
            let counts = try await harness.store.eventCounts()
            #expect(counts[.dead] == nil && counts[.orphaned] == nil && counts[.pending] == nil, "\(counts)")
            for session in sessions {
                try await harness.eventually("\(session)'s receipt") { !harness.sentEmails("receipt:\(session)").isEmpty }
                #expect(harness.sentEmails("receipt:\(session)").count == 1)
            }
            for order in orders {
                #expect(try await harness.charges(forOrder: order.id).map { $0["status"]?.stringValue } == ["succeeded"])
            }
            print("Stripe 500 for 10 min: \(during.count) events waiting, up to \(attemptsDuring) attempts each during it; all fulfilled within \(minutesAfter) min (clock) after, none parked")
        }
    }
}
