import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Fault run: the mail server down for a day, then for longer than the outgoing window, on the production
/// retry schedule (30 s doubling to an hour, three days) and the real SMTP transport against a real server
/// (aiosmtpd) that is simply not there (connections refused). Time passes on the test clock.
@Suite(.serialized) struct SMTPOutageTests {
    @Test func receiptsWaitOutADayWithoutMailAndAreSentOnceThenALongerOutageEndsDeadAndReplayable() async throws {
        let port = try PostgresTestServer.freePort()
        let transport = SMTPTransport(host: "127.0.0.1", port: port, from: "shop@example.com", timeout: .seconds(5), logger: ServiceHarness.logger())
        try await ServiceHarness.run(emailTransport: transport, emulatorSharesClock: true, configure: { $0.outgoingSchedule = .outgoing }) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            var sessions: [String] = []
            for index in 0..<5 {
                let session = try await harness.session([(course.id, 1)], email: "down\(index)@example.com", shipping: false)
                try await harness.pay(session)
                sessions.append(session.id)
            }
            for session in sessions { try await harness.waitForStatus(session, .fulfilled) }
            @Sendable func receipts() async throws -> [OutboxEntry] {
                try await harness.store.emails(dedupeKeyPrefix: "receipt:")
            }
            try await harness.eventually("a first failed attempt each, recorded") { try await receipts().allSatisfy { $0.lastError != nil } }

            // A day without a mail server, in hourly steps: the schedule's longest wait is an hour, so at each step
            // every receipt is due, and the worker tries each once more (waited for, not slept on).
            try await advanceHours(24, by: 1, harness: harness)
            let waiting = try await receipts()
            let attempts = waiting.map(\.attempts)
            print("SMTP down a day: \(waiting.count) receipts, attempts each \(attempts), none sent, none dead")
            #expect(waiting.count == 5 && waiting.allSatisfy { $0.status == .pending && $0.sentAt == nil })
            #expect(attempts.allSatisfy { $0 == 25 }, "the first attempt, then one an hour: \(attempts)")
            #expect(waiting.allSatisfy { $0.lastError?.isEmpty == false })

            // The server is back: the next attempt (within the hour) sends each receipt, once.
            let server = try SMTPTransportTests.SMTPServer(port: port)
            try await server.ready()
            harness.clock.advance(3600)
            try await harness.eventually("every receipt sent") { try await receipts().allSatisfy { $0.status == .sent } }
            for (index, session) in sessions.enumerated() {
                let copies = server.messages.filter { $0.contains(session) && $0.contains("down\(index)@example.com") }
                #expect(copies.count == 1, "\(session): \(copies.count) copies")
            }

            // Down longer than the three-day window: the next receipt ends dead, listed for an operator.
            let mailboxBefore = server.messages.count
            let laterSession = try await harness.session([(course.id, 1)], email: "later@example.com", shipping: false)
            server.stop()
            try await harness.pay(laterSession)
            try await harness.waitForStatus(laterSession.id, .fulfilled)
            let key = "receipt:\(laterSession.id)"
            try await harness.eventually("a first failed attempt, recorded") { try await harness.store.emails(dedupeKeyPrefix: key).first?.lastError != nil }
            try await advanceHours(78, by: 6, harness: harness)
            try await harness.eventually("parked dead") { try await harness.store.emails(dedupeKeyPrefix: key).first?.status == .dead }
            let dead = try #require(try await harness.store.emails(status: .dead, limit: 10).first)
            #expect(dead.email.dedupeKey == key && dead.sentAt == nil)
            print("SMTP down 3 days: \(key) dead after \(dead.attempts) attempts")

            // The operator replays it once the server is back: sent once.
            let back = try SMTPTransportTests.SMTPServer(port: port)
            try await back.ready()
            #expect(try await harness.store.replayEmail(id: dead.id, now: harness.clock.now))
            try await harness.eventually("sent after the replay") { try await harness.store.emails(dedupeKeyPrefix: key).first?.status == .sent }
            #expect(back.messages.filter { $0.contains(laterSession.id) }.count == 1)
            #expect(mailboxBefore == 5)
            #expect(try await !harness.store.replayEmail(id: dead.id, now: harness.clock.now), "a sent email is never replayed")
        }
    }

    /// Moves the clock `hours` on in steps of `step` hours (an hour or more: every pending email is due at each
    /// step), waiting after each until every pending email has been tried once more and its failure recorded (the
    /// next attempt set past the step's time): a step taken before a failure is recorded would put that email's
    /// next attempt after it.
    func advanceHours(_ hours: Int, by step: Int, harness: ServiceHarness) async throws {
        for index in 0..<(hours / step) {
            let before = try await harness.store.emails(status: .pending, limit: 100)
            harness.clock.advance(TimeInterval(step * 3600))
            let stepTime = harness.clock.now
            try await harness.eventually("an attempt each at step \(index)") {
                let now = try await harness.store.emails(dedupeKeyPrefix: nil)
                return before.allSatisfy { old in
                    now.contains { entry in
                        entry.id == old.id
                            && (entry.status != .pending || (entry.attempts > old.attempts && (entry.nextAttemptAt ?? .distantPast) > stepTime))
                    }
                }
            }
        }
    }
}
