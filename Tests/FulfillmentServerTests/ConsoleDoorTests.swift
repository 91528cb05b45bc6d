import Foundation
import FulfillmentCore
import StripeAPI
import TestSupport
import Testing

@testable import FulfillmentServer

/// The console's doors under guessing: limits per client and in total, a lockout, no bcrypt verification for
/// a refused guess, coalesced audit rows, sessions that outlive the process, and the same budgets for the
/// bearer tokens. Clients are told apart through a trusted proxy's `X-Forwarded-For`.
@Suite struct ConsoleDoorTests {
    static let password = "console-password-123"

    static func configure(_ configuration: inout ServiceConfiguration) {
        configuration.adminPassword = password
        configuration.adminPasswordCost = 4
        configuration.adminToken = "at_console_api_token_0123"
        configuration.metricsToken = "mt_metrics_token_0123456789"
        configuration.doors.trustedProxies = ["127.0.0.1", "::1"]
        configuration.doors.attemptsPerClient = 3
        configuration.doors.refusalPause = .zero
    }

    /// A browser behind the trusted proxy, at `client`: the sign-in page's CSRF cookie, then its form.
    struct Browser {
        let harness: ServiceHarness
        let client: String
        var https = false

        func headers(_ cookie: String? = nil) -> [(String, String)] {
            var headers = [("X-Forwarded-For", client), ("Content-Type", "application/x-www-form-urlencoded")]
            if https { headers.append(("X-Forwarded-Proto", "https")) }
            if let cookie { headers.append(("Cookie", cookie)) }
            return headers
        }

        func signIn(_ password: String) async throws -> ServiceHarness.Reply {
            let page = try await harness.get("/admin/login", headers: headers())
            guard let csrf = page.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1 else {
                throw ServiceHarness.TimedOut(description: "no sign-in form: \(page.status)")
            }
            return try await harness.post(
                "/admin/login", body: "csrf=\(csrf)&password=\(password)", headers: headers("fulfill_admin_login=\(csrf)"))
        }
    }

    @Test func aGuesserIsLockedOutAndItsRefusedGuessesCostNoVerification() async throws {
        try await ServiceHarness.run(configure: Self.configure) { harness async throws in
            let guesser = Browser(harness: harness, client: "198.51.100.66")
            for _ in 0..<3 { #expect(try await guesser.signIn("wrong-password").status == 401) }
            #expect(harness.service.passwordVerifier.verifications == 3)
            for guess in ["wrong-again", Self.password] {
                let refused = try await guesser.signIn(guess)
                #expect(refused.status == 429, "locked out, even with the right password")
                #expect((Int(refused.header("Retry-After") ?? "") ?? 0) > 290, "the lockout's five minutes")
                #expect(refused.text.contains("Too many sign-in attempts"))
            }
            #expect(harness.service.passwordVerifier.verifications == 3, "a refused guess is never verified")
            let operator_ = try await Browser(harness: harness, client: "203.0.113.5").signIn(Self.password)
            #expect(operator_.status == 302, "the operator at another address signs in")
            #expect(harness.service.passwordVerifier.verifications == 4)
            let metrics = try await harness.get("/metrics", headers: [("Authorization", "Bearer mt_metrics_token_0123456789")]).text
            #expect(metrics.contains("fulfillment_console_password_verifications_total 4"))
            #expect(metrics.contains(#"fulfillment_refused_attempts_total{door="sign-in",reason="locked out"} 2"#))
        }
    }

    @Test func theDoorsTotalBudgetHoldsAgainstGuessesFromManyAddresses() async throws {
        try await ServiceHarness.run(configure: {
            Self.configure(&$0)
            $0.doors.attemptsBurst = 4
            $0.doors.attemptsPerMinute = 1
        }) { harness async throws in
            var statuses: [Int: Int] = [:]
            for index in 0..<12 {
                statuses[try await Browser(harness: harness, client: "198.51.100.\(index)").signIn("wrong-password").status, default: 0] += 1
            }
            #expect(statuses == [401: 4, 429: 8])
            #expect(harness.service.passwordVerifier.verifications == 4)
        }
    }

    @Test func refusedAttemptsAreCoalescedInTheAuditLog() async throws {
        try await ServiceHarness.run(configure: Self.configure) { harness async throws in
            for index in 0..<4 {
                let guesser = Browser(harness: harness, client: "198.51.100.\(index)")
                for _ in 0..<10 { _ = try await guesser.signIn("wrong-password") }
            }
            await harness.service.doors.audit.flush()
            let log = try await harness.store.operatorActions(limit: 100)
            // 40 refused attempts: the first as itself, a lockout per client, and one row for the rest.
            #expect(log.filter { $0.action == "sign-in refused" }.count == 2, "\(log.map(\.detail))")
            #expect(log.filter { $0.action == "locked out" }.count == 4)
            let summary = try #require(log.first { $0.action == "sign-in refused" && $0.actor == "4 client(s)" })
            #expect(summary.detail.hasPrefix("39 more refused") && summary.detail.contains("wrong password 11") && summary.detail.contains("locked out 28"))
        }
    }

    @Test func aSessionOutlivesTheProcessAndSigningOutEndsIt() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString).sqlite").path
        let cookie: String = try await ServiceHarness.run(databasePath: path, configure: Self.configure) { harness async throws in
            let signedIn = try await Browser(harness: harness, client: "203.0.113.5").signIn(Self.password)
            return try #require(signedIn.cookie)
        }
        #expect(cookie.hasPrefix("fulfill_admin=") && cookie.count == "fulfill_admin=".count + 64)
        try await ServiceHarness.run(databasePath: path, configure: Self.configure) { harness async throws in
            let overview = try await harness.get("/admin", headers: [("Cookie", cookie)])
            #expect(overview.status == 200 && overview.text.contains("Console"), "signed in after a restart")
            let csrf = try #require(overview.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
            let out = try await harness.post(
                "/admin/logout", body: "csrf=\(csrf)", headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")])
            #expect(out.status == 302)
        }
        try await ServiceHarness.run(databasePath: path, configure: Self.configure) { harness async throws in
            let after = try await harness.get("/admin", headers: [("Cookie", cookie)])
            #expect(after.status == 302 && after.header("Location") == "/admin/login", "signed out for every process")
            let hashes = try await harness.store.consoleSession(idHash: AdminSessions.hash(String(cookie.dropFirst("fulfill_admin=".count))), now: Date())
            #expect(hashes == nil)
        }
    }

    @Test func cookiesAreSecureOverHttpsFromATrustedProxyOnly() async throws {
        try await ServiceHarness.run(configure: Self.configure) { harness async throws in
            var viaProxy = Browser(harness: harness, client: "203.0.113.5")
            viaProxy.https = true
            #expect(try await viaProxy.signIn(Self.password).header("Set-Cookie")?.contains("Secure") == true)
            #expect(try await Browser(harness: harness, client: "203.0.113.6").signIn(Self.password).header("Set-Cookie")?.contains("Secure") == false)
        }
        try await ServiceHarness.run(configure: {
            Self.configure(&$0)
            $0.doors.trustedProxies = []
        }) { harness async throws in
            var claimsHTTPS = Browser(harness: harness, client: "203.0.113.5")
            claimsHTTPS.https = true
            #expect(try await claimsHTTPS.signIn(Self.password).header("Set-Cookie")?.contains("Secure") == false, "an untrusted peer cannot claim https")
        }
    }

    @Test(arguments: [
        ("/admin/api/overview", "GET", "Bearer wrong_token_0123456789"),
        ("/metrics", "GET", "Bearer wrong_token_0123456789"),
        ("/api/orders", "POST", "Bearer ok_wrong_order_key_000000"),
    ])
    func wrongBearerTokensAreBudgetedTheSameWay(path: String, method: String, authorization: String) async throws {
        try await ServiceHarness.run(configure: Self.configure) { harness async throws in
            func attempt(_ client: String) async throws -> ServiceHarness.Reply {
                let headers = [("Authorization", authorization), ("X-Forwarded-For", client), ("Content-Type", "application/json")]
                return method == "GET" ? try await harness.get(path, headers: headers) : try await harness.post(path, body: "{}", headers: headers)
            }
            for _ in 0..<3 { #expect(try await attempt("198.51.100.7").status == 401) }
            let refused = try await attempt("198.51.100.7")
            #expect(refused.status == 429 && refused.header("Retry-After") != nil, "\(path): \(refused.status)")
            #expect(try await attempt("198.51.100.8").status == 401, "another client still gets an answer")
        }
    }
}
