import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// An email the mail server refuses for the whole outgoing window ends dead, as a dispatch does: listed in
/// the console (page and API) and by the store, counted on the overview, not tried again by itself, and sent
/// once after an operator's replay. Through the real application against the emulator.
@Suite struct DeadEmailTests {
    static let token = "at_dead_email_api_token_0123"
    static let password = "console-password-123"

    @Test func anEmailRefusedForThreeDaysEndsDeadAndIsSentOnceAfterAReplay() async throws {
        try await ServiceHarness.run(configure: {
            $0.adminToken = Self.token
            $0.adminPassword = Self.password
            $0.adminPasswordCost = 4
        }) { harness async throws in
            let auth = [("Authorization", "Bearer \(Self.token)")]
            harness.emails.failNext(1_000_000)
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let key = "receipt:\(session.id)"
            try await harness.eventually("a few failed attempts") {
                try await harness.store.emails(dedupeKeyPrefix: key).first.map { $0.attempts >= 2 && $0.status == .pending } ?? false
            }
            // Three days on, the server still refusing: the next attempt is the last.
            harness.clock.advance(3 * 24 * 3600 + 60)
            try await harness.eventually("dead") {
                try await harness.store.emails(dedupeKeyPrefix: key).first?.status == .dead
            }
            let dead = try #require(try await harness.store.emails(dedupeKeyPrefix: key).first)
            #expect(dead.lastError?.contains("injected SMTP failure") == true && dead.sentAt == nil)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await harness.store.emails(dedupeKeyPrefix: key).first?.attempts == dead.attempts, "not tried again by itself")
            #expect(harness.emails.sent.isEmpty)

            // The console shows it: the overview's counts, the API's list, the outgoing page.
            let overview = try await harness.get("/admin/api/overview", headers: auth).json
            #expect(overview["emails"]?["dead"]?.intValue == 1 && overview["email_backlog"]?.intValue == 0)
            let listed = try await harness.get("/admin/api/emails?status=dead", headers: auth)
            #expect(listed.status == 200)
            let row = try #require(listed.json["data"]?.arrayValue?.first)
            #expect(row["dedupe_key"]?.stringValue == key && row["status"]?.stringValue == "dead")
            #expect(row["sent_at"] == .null && row["last_error"]?.stringValue?.contains("SMTP") == true)
            #expect(try await harness.get("/admin/api/emails?status=lost", headers: auth).status == 400)
            #expect(try await harness.get("/admin/api/emails?status=dead").status == 401)
            let cookie = try await signIn(harness)
            let page = try await harness.get("/admin/outgoing", headers: [("Cookie", cookie)])
            #expect(page.status == 200 && page.text.contains(key) && page.text.contains("replay-email"))

            // The operator fixes the mail server and replays it: sent once, and a second replay is refused.
            harness.emails.failNext(0)
            let id = try #require(row["id"]?.intValue)
            #expect(try await harness.post("/admin/api/emails/\(id)/replay", body: "", headers: auth).status == 200)
            try await harness.eventually("sent after the replay") { harness.emails.sent.contains { $0.email.dedupeKey == key } }
            #expect(harness.emails.sent.filter { $0.email.dedupeKey == key }.count == 1)
            // The transport has it; the outbox records it sent just after.
            try await harness.eventually("recorded sent") { try await harness.store.emails(dedupeKeyPrefix: key).first?.status == .sent }
            #expect(try await harness.post("/admin/api/emails/\(id)/replay", body: "", headers: auth).status == 404, "a sent email is never sent again")
            let log = try await harness.store.operatorActions(limit: 10)
            #expect(log.contains { $0.action == "replay email" && $0.detail == "\(id): queued" })
            let timeline = try await harness.get("/admin/api/timeline/\(session.id)", headers: auth).json
            #expect(timeline["entries"]?.arrayValue?.contains { $0["kind"]?.stringValue == "email" && $0["outcome"]?.stringValue == "sent" } == true)
        }
    }

    func signIn(_ harness: ServiceHarness) async throws -> String {
        let page = try await harness.get("/admin/login")
        let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)).1
        let signedIn = try await harness.post(
            "/admin/login", body: "csrf=\(csrf)&password=\(Self.password)",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "fulfill_admin_login=\(csrf)")])
        let cookie = try #require(signedIn.header("Set-Cookie"))
        return String(cookie.prefix { $0 != ";" })
    }
}
