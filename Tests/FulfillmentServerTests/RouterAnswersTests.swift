import Foundation
import FulfillmentCore
import FulfillmentServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import StripeAPI
import Synchronization
import TestSupport
import Testing

/// The routes that answer from the store alone, through the real application's router with no socket
/// (HummingbirdTesting's router mode): the status of a purchase the ledger knows, the console's API, health.
/// Stripe is a transport that refuses everything and counts what it was asked: none of these answers may ask.
@Suite struct RouterAnswersTests {
    static let token = "at_router_answers_token_0123"

    /// Stripe, refusing: every request is counted and answered 500.
    final class RefusingStripe: StripeTransport {
        let asked = Mutex<[String]>([])
        func send(_ request: StripeHTTPRequest, timeout: Duration) async throws -> StripeHTTPResponse {
            asked.withLock { $0.append(request.url) }
            return StripeHTTPResponse(status: 500, headers: [:], body: Array(#"{"error":{"type":"api_error"}}"#.utf8))
        }
    }

    func withApplication(_ test: @Sendable (any TestClientProtocol, MemoryFulfillmentStore, RefusingStripe) async throws -> Void) async throws {
        let store = MemoryFulfillmentStore()
        _ = try await store.commitFulfillment(
            StoreFixtures.plan("cs_test_router", lines: [StoreFixtures.line("li_1", .grantAccess), StoreFixtures.line("li_2", .ship(sku: "MUG"))]))
        var configuration = ServiceConfiguration(
            stripeSecretKey: "sk_test_router", stripeAPIBase: "http://127.0.0.1:9", webhookSecrets: ["whsec_router_answers"],
            database: .memory, reconcileInterval: nil, retention: nil)
        configuration.adminToken = Self.token
        var logger = Logger(label: "test.router")
        logger.logLevel = .critical
        let stripe = RefusingStripe()
        let service = try await FulfillmentService(
            configuration: configuration, logger: logger, store: store, emailTransport: CapturingEmailTransport(), stripeTransport: stripe)
        try await service.application(workers: false).test(.router) { client in try await test(client, store, stripe) }
    }

    @Test func aKnownPurchasesStatusComesFromTheLedgerWithoutStripe() async throws {
        try await withApplication { client, _, stripe in
            try await client.execute(uri: "/api/checkout/sessions/cs_test_router", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try JSONValue.parse(Data(response.body.readableBytesView))
                #expect(body["status"]?.stringValue == "fulfilled" && body["details_withheld"]?.boolValue == true)
                #expect(body["customer_email"] == .null && body["shipping"] == .null)
                let lines = body["line_items"]?.arrayValue ?? []
                #expect(lines.map { $0["outcome"]?.stringValue } == ["access_granted", "shipped"])
                #expect(lines[0]["access_url"] == .null && lines[0]["access"]?.stringValue == "active")
                #expect(body["refund_status"]?.stringValue == "none" && body["access"]?.stringValue == "active")
            }
            try await client.execute(uri: "/api/checkout/sessions/not-a-session", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONValue.parse(Data(response.body.readableBytesView))
                #expect(body["error"]?.stringValue == "not found")
            }
            #expect(stripe.asked.withLock { $0 }.isEmpty, "answered from the ledger alone")
        }
    }

    @Test func theConsoleAPIAnswersFromTheStore() async throws {
        try await withApplication { client, store, stripe in
            let auth: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            try await client.execute(uri: "/admin/api/overview", method: .get) { response in #expect(response.status == .unauthorized) }
            try await client.execute(uri: "/admin/api/overview", method: .get, headers: auth) { response in
                #expect(response.status == .ok)
                let body = try JSONValue.parse(Data(response.body.readableBytesView))
                #expect(body["emails"]?["pending"]?.intValue == 1 && body["email_backlog"]?.intValue == 1)
                #expect(body["dispatches"]?["pending"]?.intValue == 1 && body["events"]?["dead"]?.intValue == 0)
            }
            try await client.execute(uri: "/admin/api/emails?status=pending", method: .get, headers: auth) { response in
                let rows = try JSONValue.parse(Data(response.body.readableBytesView))["data"]?.arrayValue ?? []
                #expect(rows.map { $0["dedupe_key"]?.stringValue } == ["receipt:cs_test_router"])
                #expect(rows.first?["sent_at"] == .null && rows.first?["queued_at"]?.intValue == Int(StoreFixtures.t0.timeIntervalSince1970))
            }
            try await client.execute(uri: "/admin/api/timeline/cs_test_router", method: .get, headers: auth) { response in
                let entries = try JSONValue.parse(Data(response.body.readableBytesView))["entries"]?.arrayValue ?? []
                #expect(entries.contains { $0["kind"]?.stringValue == "email" && $0["at"] == .null }, "a waiting email has no time yet")
            }
            try await client.execute(uri: "/admin/api/emails/1/replay", method: .post, headers: auth) { response in
                #expect(response.status == .notFound, "a pending email is no dead one")
            }
            #expect(try await store.operatorActions(limit: 5).map(\.action) == ["replay email"])
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue.parse(Data(response.body.readableBytesView))
                #expect(body["status"]?.stringValue == "ok")
            }
            #expect(stripe.asked.withLock { $0 }.isEmpty)
        }
    }
}
