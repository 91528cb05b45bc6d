import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// The console over HTTP: closed without credentials, its JSON twin behind the bearer token, sign-in with the
/// password (hashed), and every action recorded. (Its pages are tested in Chromium: browser/test_console.py.)
@Suite struct ConsoleTests {
    @Test func withoutCredentialsThereIsNoConsole() async throws {
        try await ServiceHarness.run { harness async throws in
            #expect(try await harness.get("/admin").status == 404)
            #expect(try await harness.get("/admin/login").status == 404)
            #expect(try await harness.get("/admin/api/overview").status == 404)
        }
    }

    @Test func theJSONTwinNeedsTheTokenAndReplaysADeadEvent() async throws {
        try await ServiceHarness.run(configure: { $0.adminToken = "at_console_api_token_0123" }) { harness async throws in
            let mug = try await harness.price("Mug", amount: 1200, metadata: ["fulfillment": "phsyical"])
            let session = try await harness.session([(mug.id, 1)])
            try await harness.pay(session)
            try await harness.eventually("dead") { try await harness.store.listEvents(status: .dead, limit: 10).contains { $0.objectID == session.id } }
            #expect(try await harness.get("/admin/api/overview").status == 401)
            let auth = [("Authorization", "Bearer at_console_api_token_0123")]
            let overview = try await harness.get("/admin/api/overview", headers: auth)
            #expect(overview.status == 200 && overview.json["events"]?["dead"]?.intValue == 1)
            let dead = try await harness.get("/admin/api/events?status=dead&object=\(session.id)", headers: auth).json["data"]?.arrayValue ?? []
            let id = try #require(dead.first?["id"]?.stringValue)
            #expect(try await harness.post("/admin/api/events/\(id)/replay", body: "", headers: [("Authorization", "Bearer wrong_token_0123456789")]).status == 401)
            #expect(try await harness.post("/admin/api/events/\(id)/replay", body: "", headers: auth).status == 200)
            #expect(try await harness.post("/admin/api/events/evt_nothing/replay", body: "", headers: auth).status == 404)
            let timeline = try await harness.get("/admin/api/timeline/\(session.id)", headers: auth)
            #expect(timeline.status == 200)
            #expect(timeline.json["entries"]?.arrayValue?.contains { $0["kind"]?.stringValue == "webhook" && $0["what"]?.stringValue?.contains(id) == true } == true)
            #expect(try await harness.get("/admin/api/timeline/cs_test_nothing", headers: auth).status == 404)
            #expect(try await harness.get("/admin/api/anomalies", headers: auth).json["data"]?.arrayValue?.isEmpty == true)
            #expect(try await harness.get("/admin/api/anomalies").status == 401)
            let log = try await harness.store.operatorActions(limit: 10)
            #expect(log.contains { $0.actor == "api token" && $0.action == "replay event" && $0.detail.hasPrefix(id) })
            #expect(try await harness.get("/admin").status == 404, "no password: no pages, only the JSON twin")
        }
    }

    @Test func signInSetsAStrictHttpOnlyCookieAndAWrongPasswordIsRecorded() async throws {
        try await ServiceHarness.run(configure: {
            $0.adminPassword = "console-password-123"
            $0.adminPasswordCost = 4
        }) { harness async throws in
            let page = try await harness.get("/admin/login")
            let cookie = try #require(page.header("Set-Cookie"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)).1
            let login = "fulfill_admin_login=\(csrf)"
            func signIn(_ password: String, csrf token: Substring = csrf) async throws -> ServiceHarness.Reply {
                try await harness.post(
                    "/admin/login", body: "csrf=\(token)&password=\(password)",
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", login)])
            }
            #expect(try await signIn("wrong-password").status == 401)
            #expect(try await signIn("console-password-123", csrf: "forged").status == 403)
            let signedIn = try await signIn("console-password-123")
            #expect(signedIn.status == 302 && signedIn.header("Location") == "/admin")
            #expect(signedIn.header("Set-Cookie")?.hasPrefix("fulfill_admin=") == true)
            let actions = try await harness.store.operatorActions(limit: 10).map(\.action)
            // The first refusal is written at once; the next one of the minute waits for the minute's summary row
            // (ConsoleDoorTests.refusedAttemptsAreCoalescedInTheAuditLog).
            #expect(actions == ["sign-in", "sign-in refused"])
        }
    }
}
