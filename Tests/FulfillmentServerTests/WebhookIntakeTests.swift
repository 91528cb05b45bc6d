import Foundation
import FulfillmentCore
import FulfillmentServer
import GRDB
import StripeAPI
import TestSupport
import Testing

/// `POST /webhook` refuses what it must, stores what it accepts exactly once, and never loses an event.
@Suite struct WebhookIntakeTests {
    func event(_ id: String, type: String = "checkout.session.completed", object: String = "cs_test_unknown") -> String {
        #"{"id":"\#(id)","object":"event","type":"\#(type)","created":1,"livemode":false,"pending_webhooks":1,"api_version":"2023-08-16","request":{"id":null,"idempotency_key":null},"data":{"object":{"id":"\#(object)","object":"checkout.session"}}}"#
    }

    @Test func storesAVerifiedEventOnceAndAcknowledgesDuplicates() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let body = event("evt_intake_1")
            let first = try await harness.postWebhook(body)
            let again = try await harness.postWebhook(body)
            #expect(first.status == 200 && first.json["duplicate"] == false)
            #expect(again.status == 200 && again.json["duplicate"] == true)
            let stored = try await harness.store.listEvents(status: nil, limit: 10)
            #expect(stored.map(\.id) == ["evt_intake_1"])
            #expect(stored.first?.payload == Data(body.utf8), "the raw bytes are kept")
            #expect(stored.first?.status == .pending)
        }
    }

    @Test func refusesBadSignaturesStaleTimestampsAndMalformedBodiesStoringNothing() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let body = event("evt_bad")
            let forged = try await harness.postWebhook(
                body, signature: WebhookSignature.header(payload: Data(body.utf8), secrets: ["whsec_attacker"], timestamp: Int(Date().timeIntervalSince1970)))
            #expect(forged.status == 400 && forged.text.contains("no signature matches"))
            let stale = try await harness.postWebhook(body, timestamp: Int(Date().timeIntervalSince1970) - 301)
            #expect(stale.status == 400 && stale.text.contains("outside the tolerance"))
            let missing = try await harness.post("/webhook", body: body)
            #expect(missing.status == 400 && missing.text.contains("missing Stripe-Signature"))
            let garbled = try await harness.postWebhook(body, signature: "t=,v1=")
            #expect(garbled.status == 400 && garbled.text.contains("malformed"))
            let notJSON = try await harness.postWebhook("{not json")
            #expect(notJSON.status == 400 && notJSON.text.contains("not a Stripe event"))
            let noID = try await harness.postWebhook(#"{"type":"checkout.session.completed","data":{"object":{}}}"#)
            #expect(noID.status == 400)
            #expect(try await harness.store.listEvents(status: nil, limit: 10).isEmpty)
        }
    }

    @Test func refusesAnOversizedBodyWith413() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let padding = String(repeating: "x", count: 600 * 1024)
            let body = #"{"id":"evt_big","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","pad":"\#(padding)"}}}"#
            let reply = try await harness.postWebhook(body)
            #expect(reply.status == 413)
            #expect(try await harness.store.listEvents(status: nil, limit: 10).isEmpty)
        }
    }

    @Test func storesUnknownEventTypesAsIgnored() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let reply = try await harness.postWebhook(event("evt_future", type: "invoice.some_new_thing", object: "in_1"))
            #expect(reply.status == 200 && reply.json["ignored"] == true)
            let stored = try #require(try await harness.store.event(id: "evt_future"))
            #expect(stored.status == .ignored)
            #expect(stored.lastError == "no handler for this event type")
        }
    }

    @Test func hostileMetadataIsStoredAsDataAndNeverRendered() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let hostile = #"{"id":"evt_hostile","type":"checkout.session.completed","data":{"object":{"id":"cs_test_x","metadata":{"note":"<script>alert(1)</script>\u0000'; DROP TABLE inbox_events;--"}}}}"#
            let reply = try await harness.postWebhook(hostile)
            #expect(reply.status == 200)
            let stored = try await harness.store.event(id: "evt_hostile")
            #expect(stored?.payload == Data(hostile.utf8))
            let all = try await harness.store.listEvents(status: nil, limit: 10)
            #expect(all.count == 1)
        }
    }

    @Test func acceptsEitherSecretDuringRotation() async throws {
        let clock = TestClock()
        try await ServiceHarness.run(runWorkers: false, clock: clock) { harness in
            let body = event("evt_rotated")
            let header = WebhookSignature.header(
                payload: Data(body.utf8), secrets: ["whsec_new_one", ServiceHarness.webhookSecret], timestamp: Int(Date().timeIntervalSince1970))
            let reply = try await harness.postWebhook(body, signature: header)
            #expect(reply.status == 200)
        }
    }

    @Test func anEventForASessionStripeDoesNotKnowIsParkedAsDeadNotRetriedForever() async throws {
        try await ServiceHarness.run { harness in
            #expect(try await harness.postWebhook(event("evt_orphan", object: "cs_test_nosuchsession")).status == 200)
            try await harness.eventually("dead") { try await harness.store.event(id: "evt_orphan")?.status == .dead }
            let dead = try #require(try await harness.store.event(id: "evt_orphan"))
            #expect(dead.lastError?.contains("No such checkout.session") == true)
            #expect(dead.attempts == 1)
        }
    }

    @Test func aWorkerThatDiesMidEventLeavesItForTheNextOne() async throws {
        let clock = TestClock()
        try await ServiceHarness.run(runWorkers: false, clock: clock) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            // Every event of the payment (charge, PaymentIntent, session) delivered and stored.
            #expect(try await harness.control("/webhooks/drain").status == 200)
            // A worker claims the events and dies before finishing them.
            let claimed = try await harness.service.eventProcessor.claim(limit: 10)
            #expect(claimed.contains { $0.objectID == session.id })
            // The process restarts on the same database.
            let restarted = try await FulfillmentService(
                configuration: ServiceHarness.configuration(
                    emulatorURL: harness.emulatorURL, databasePath: harness.databasePath, clock: clock),
                logger: ServiceHarness.logger(), emailTransport: harness.emails)
            #expect(try await restarted.eventProcessor.claim(limit: 10).isEmpty, "the dead worker's claim holds until its lease ends")
            clock.advance(61)
            let reclaimed = try await restarted.eventProcessor.claim(limit: 10)
            #expect(reclaimed.map(\.id) == claimed.map(\.id))
            for event in reclaimed { #expect(await restarted.eventProcessor.process(event) == .processed) }
            #expect(try await restarted.store.purchase(subjectID: session.id)?.status == .fulfilled)
            #expect(try await restarted.store.event(id: claimed[0].id)?.status == .processed)
        }
    }

    // MARK: The connection

    func rawWebhook(_ body: String, signature: String? = nil, close: Bool = false) -> String {
        let header = signature ?? WebhookSignature.header(
            payload: Data(body.utf8), secrets: [ServiceHarness.webhookSecret], timestamp: Int(Date().timeIntervalSince1970))
        return "POST /webhook HTTP/1.1\r\nHost: service\r\nContent-Type: application/json\r\nStripe-Signature: \(header)\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\(close ? "Connection: close\r\n" : "")\r\n\(body)"
    }

    @Test func answersPipelinedRequestsInTheOrderTheyCame() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let connection = try RawHTTPConnection(port: harness.servicePort)
            defer { connection.close() }
            // Webhooks (served in the pipeline) and routes (served by the router) mixed on one connection, in one write.
            try connection.send(
                "GET /health HTTP/1.1\r\nHost: service\r\n\r\n"
                    + rawWebhook(event("evt_pipe_1"))
                    + rawWebhook(event("evt_pipe_1"))
                    + rawWebhook(event("evt_pipe_forged"), signature: "t=1,v1=00")
                    + "GET /api/checkout/sessions/nope HTTP/1.1\r\nHost: service\r\n\r\n"
                    + rawWebhook(event("evt_pipe_2"), close: true))
            let responses = RawHTTPConnection.responses(in: connection.receiveUntilClosed())
            #expect(responses.map(\.status) == [200, 200, 200, 400, 404, 200])
            guard responses.count == 6 else { return }
            #expect(responses[1].body.contains(#""duplicate":false"#))
            #expect(responses[2].body.contains(#""duplicate":true"#))
            #expect(responses[3].body.contains("Signature verification failed"))
            #expect(responses[5].headers.lowercased().contains("connection: close"), "the connection closes as asked")
            let stored = try await harness.store.listEvents(status: nil, limit: 10)
            #expect(Set(stored.map(\.id)) == ["evt_pipe_1", "evt_pipe_2"])
        }
    }

    @Test func refusesAChunkedBodyThatOutgrowsTheLimitAndClosesTheConnection() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            let connection = try RawHTTPConnection(port: harness.servicePort)
            defer { connection.close() }
            let chunk = String(repeating: "x", count: 100 * 1024)
            try connection.send(
                "POST /webhook HTTP/1.1\r\nHost: service\r\nTransfer-Encoding: chunked\r\nStripe-Signature: t=1,v1=00\r\n\r\n"
                    + String(repeating: "\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n", count: 6) + "0\r\n\r\n")
            let responses = RawHTTPConnection.responses(in: connection.receiveUntilClosed())
            #expect(responses.map(\.status) == [413])
            #expect(try await harness.store.listEvents(status: nil, limit: 10).isEmpty)
        }
    }

    @Test func aWebhookBeingStoredWhenShutdownBeginsIsAnsweredBeforeItsConnectionCloses() async throws {
        try await ServiceHarness.run(runWorkers: false) { harness in
            // Another connection holds SQLite's write lock, so the event's group commit waits (busy timeout 10 s).
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true
            let blocker = try DatabaseQueue(path: harness.databasePath, configuration: configuration)
            try await blocker.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }

            let delivery = Task { try await harness.postWebhook(event("evt_during_shutdown")) }
            try await Task.sleep(for: .milliseconds(300))
            await harness.beginShutdown()
            try await Task.sleep(for: .milliseconds(300))
            try await blocker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }

            let reply = try await delivery.value
            #expect(reply.status == 200, "the sender hears that its event is stored, though the server is stopping")
            #expect(try await harness.store.listEvents(status: nil, limit: 10).map(\.id) == ["evt_during_shutdown"])
        }
    }
}
