import Foundation
import FulfillmentCore
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import StripeAPI

/// The operator console at `/admin` (server-rendered, no script): sign-in with `ADMIN_PASSWORD` (a session
/// cookie, HttpOnly and SameSite=Strict, Secure over https; a CSRF token in every form, checked on every POST;
/// sign-out), an overview (events by status, the email and notification backlogs, the last reconciliation,
/// recent errors, the audit log), and the events with filters and replay of one or of all matching. Its JSON
/// twin under `/admin/api` takes `Authorization: Bearer ADMIN_TOKEN`. Sessions live in the store, so every
/// instance knows them. Sign-in attempts and API tokens are throttled per client and in total (`Doors`);
/// the password is verified off the event loops, at low priority, a few at a time (`PasswordVerifier`).
/// Every operator action is recorded in the store's audit log, and refused attempts are coalesced there.
struct AdminController<Context: RequestContext>: Sendable {
    static var sessionCookie: String { "fulfill_admin" }
    static var loginCookie: String { "fulfill_admin_login" }

    let store: any FulfillmentStore
    let credentials: AdminCredentials
    let sessions: AdminSessions
    let verifier: PasswordVerifier
    let doors: Doors
    let pages: PageRenderer
    let now: @Sendable () -> Date
    let logger: Logger

    func register(on router: Router<Context>) {
        registerAPI(on: router)
        // The pages only with a password (the token alone opens only the JSON twin).
        guard credentials.passwordHash != nil else { return }
        let console = router.group("admin")
        console.get("login") { request, context in loginPage(error: nil, secure: doors.client(request, context).https) }
        console.post("login") { request, context in await signIn(request, client: doors.client(request, context)) }
        console.post("logout") { request, context in
            await withSession(request, form: true) { session, _ in
                do {
                    try await sessions.close(id: request.cookies[Self.sessionCookie]?.value)
                } catch {
                    return unavailable(error)
                }
                await record("operator", "sign-out", "")
                var response = Response.redirect(to: "/admin/login", type: .found)
                response.setCookie(
                    Cookie(
                        name: Self.sessionCookie, value: "", maxAge: 0, path: "/admin", secure: doors.client(request, context).https,
                        httpOnly: true, sameSite: .strict))
                return response
            }
        }
        registerOutgoingPages(on: console)
        console.get { request, _ in await withSession(request) { session, _ in await overview(csrf: session.csrf) } }
        console.get("events") { request, _ in
            await withSession(request) { session, _ in await eventsPage(filter: Self.filter(request.uri.queryParameters), csrf: session.csrf) }
        }
        console.get("anomalies") { request, _ in
            await withSession(request) { session, _ in
                let anomalies = (try? await store.recentAnomalies(limit: 200)) ?? []
                let formatter = ISO8601DateFormatter()
                return pages.render(
                    "admin_anomalies",
                    [
                        "title": "Anomalies", "csrf": session.csrf, "hasAnomalies": !anomalies.isEmpty,
                        "anomalies": anomalies.map { ["order": $0.orderID, "detail": $0.detail, "at": formatter.string(from: $0.recordedAt)] },
                    ])
            }
        }
        console.get("timeline/:id") { request, context in
            let id = String((context.parameters.get("id") ?? "").prefix(255))
            return await withSession(request) { session, _ in await timelinePage(id: id, csrf: session.csrf) }
        }
        console.post("events/replay") { request, _ in
            await withSession(request, form: true) { _, form in
                let id = form["id"]?.stringValue ?? ""
                let replayed = (try? await store.replayEvent(id: id, now: now())) ?? false
                await record("operator", "replay event", "\(id): \(replayed ? "queued" : "no such event")")
                return Response.redirect(to: "/admin/events?object=\(Self.query(form["object"]?.stringValue ?? ""))", type: .found)
            }
        }
        console.post("events/replay-all") { request, _ in
            await withSession(request, form: true) { _, form in
                let filter = EventFilter(
                    status: (form["status"]?.stringValue).flatMap(InboxEventStatus.init(rawValue:)) ?? .dead,
                    type: Self.nonEmpty(form["type"]?.stringValue), objectID: Self.nonEmpty(form["object"]?.stringValue))
                let count = await replayAll(filter)
                await record("operator", "replay events", "\(count) matching \(Self.describe(filter))")
                return Response.redirect(to: "/admin/events?status=\(filter.status?.rawValue ?? "")", type: .found)
            }
        }
    }

    // MARK: Sign-in

    func loginPage(error: String?, secure: Bool, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = AdminSessions.randomToken()
        var response = pages.render("admin_login", ["title": "Sign in", "csrf": csrf, "error": error as Any], status: status)
        response.setCookie(Cookie(name: Self.loginCookie, value: csrf, path: "/admin", secure: secure, httpOnly: true, sameSite: .strict))
        return response
    }

    /// The door's name in metrics and the audit log ("sign-in refused").
    static var signInDoor: String { "sign-in" }

    func signIn(_ request: Request, client: RequestClient) async -> Response {
        let form = await Self.form(request)
        // Double-submit: the form's token must be the one this browser got with the sign-in page.
        guard let expected = request.cookies[Self.loginCookie]?.value, ConstantTime.equal(form["csrf"]?.stringValue, expected) else {
            await doors.refused(Self.signInDoor, client: client, reason: "missing or wrong CSRF token", audited: true, pause: false)
            return loginPage(error: "The form expired. Please sign in again.", secure: client.https, status: .forbidden)
        }
        guard let hash = credentials.passwordHash else { return loginPage(error: nil, secure: client.https) }
        let door = doors.consolePassword
        // The attempt is paid for before the password is checked: a refused one costs no bcrypt verification.
        if case .refused(let retryAfter, let reason) = door.admit(client: client.address, now: now()) {
            await doors.refused(Self.signInDoor, client: client, reason: reason.rawValue, audited: true)
            return tooManySignIns(retryAfter: retryAfter, secure: client.https)
        }
        guard let right = await verifier.verify(form["password"]?.stringValue ?? "", hash: hash) else {
            door.withdraw(client: client.address, now: now())
            await doors.refused(Self.signInDoor, client: client, reason: "too many checks waiting", audited: true)
            return tooManySignIns(retryAfter: 1, secure: client.https)
        }
        guard right else {
            if let lockout = door.failed(client: client.address, now: now()) {
                await doors.lockedOut(lockout, door: Self.signInDoor, audited: true)
            }
            await doors.refused(Self.signInDoor, client: client, reason: "wrong password", audited: true, pause: false)
            logger.warning("console sign-in refused", metadata: ["client": "\(client.address)"])
            return loginPage(error: "Wrong password.", secure: client.https, status: .unauthorized)
        }
        door.succeeded(client: client.address, now: now())
        let session: (id: String, csrf: String)
        do {
            session = try await sessions.open(now: now())
        } catch {
            return unavailable(error)
        }
        await record("operator", "sign-in", "from \(client.address)")
        var response = Response.redirect(to: "/admin", type: .found)
        response.setCookie(
            Cookie(name: Self.sessionCookie, value: session.id, path: "/admin", secure: client.https, httpOnly: true, sameSite: .strict))
        return response
    }

    func tooManySignIns(retryAfter: Int, secure: Bool) -> Response {
        var response = loginPage(
            error: "Too many sign-in attempts. Try again in \(retryAfter) s.", secure: secure, status: .tooManyRequests)
        response.headers[.retryAfter] = "\(retryAfter)"
        return response
    }

    func unavailable(_ error: any Error) -> Response {
        logger.error("console store unavailable", metadata: ["error": "\(error)"])
        return pages.render("admin_error", ["title": "Unavailable", "message": "The store did not answer."], status: .serviceUnavailable)
    }

    /// Runs `body` for a signed-in operator (a POST also needs the session's CSRF token in its form);
    /// otherwise sends the browser to the sign-in page, or refuses the POST.
    func withSession(
        _ request: Request, form: Bool = false, _ body: (ConsoleSession, FormValue) async -> Response
    ) async -> Response {
        let session: ConsoleSession?
        do {
            session = try await sessions.session(id: request.cookies[Self.sessionCookie]?.value, now: now())
        } catch {
            return unavailable(error)
        }
        guard let session else { return Response.redirect(to: "/admin/login", type: .found) }
        guard form else { return await body(session, .empty) }
        let fields = await Self.form(request)
        guard ConstantTime.equal(fields["csrf"]?.stringValue, session.csrf) else {
            await record("operator", "refused", "\(request.uri.path) without a valid CSRF token")
            return pages.render(
                "admin_error", ["title": "Refused", "message": "This form is no longer valid (missing or wrong CSRF token). Go back and try again."],
                status: .forbidden)
        }
        return await body(session, fields)
    }

    // MARK: Pages

    func overview(csrf: String) async -> Response {
        do {
            let counts = try await store.eventCounts()
            let reconciler = try await store.reconcilerState()
            let dead = try await store.listEvents(status: .dead, limit: 10)
            let dispatchCounts = try await store.dispatchCounts()
            let emailCounts = try await store.emailCounts()
            let actions = try await store.operatorActions(limit: 20)
            let formatter = ISO8601DateFormatter()
            return pages.render(
                "admin_overview",
                [
                    "title": "Console", "csrf": csrf,
                    "counts": InboxEventStatus.allCases.map { ["status": $0.rawValue, "count": counts[$0] ?? 0] },
                    "emailBacklog": emailCounts[.pending] ?? 0, "deadEmails": emailCounts[.dead] ?? 0, "dispatchBacklog": dispatchCounts[.pending] ?? 0, "deadDispatches": dispatchCounts[.dead] ?? 0,
                    "reconciled": reconciler.lastFinishedAt.map { formatter.string(from: $0) } ?? "never",
                    "reconcileSummary": reconciler.lastSummary ?? "",
                    "errors": dead.map(Self.row), "hasErrors": !dead.isEmpty,
                    "actions": actions.map { ["at": formatter.string(from: $0.at), "actor": $0.actor, "action": $0.action, "detail": $0.detail] },
                ])
        } catch {
            return pages.render("admin_error", ["title": "Unavailable", "message": "The store did not answer: \(error)"], status: .serviceUnavailable)
        }
    }

    func eventsPage(filter: EventFilter, csrf: String) async -> Response {
        do {
            let events = try await store.listEvents(matching: filter, limit: 200)
            return pages.render(
                "admin_events",
                [
                    "title": "Events", "csrf": csrf, "events": events.map(Self.row), "count": events.count,
                    "status": filter.status?.rawValue ?? "", "type": filter.type ?? "", "object": filter.objectID ?? "",
                    "statuses": [""] + InboxEventStatus.allCases.map(\.rawValue),
                    "replayable": filter.status == .dead || filter.status == .orphaned,
                ])
        } catch {
            return pages.render("admin_error", ["title": "Unavailable", "message": "The store did not answer: \(error)"], status: .serviceUnavailable)
        }
    }

    func timelinePage(id: String, csrf: String) async -> Response {
        do {
            let timeline = try await Timeline.build(subjectID: id, store: store)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return pages.render(
                "admin_timeline",
                [
                    "title": "Timeline \(id)", "csrf": csrf, "subject": id, "found": timeline.found, "account": timeline.account ?? "",
                    "entries": timeline.entries.map {
                        [
                            "at": $0.at == .distantFuture ? "not yet" : formatter.string(from: $0.at), "kind": $0.kind, "what": $0.what,
                            "outcome": $0.outcome,
                        ]
                    },
                ], status: timeline.found ? .ok : .notFound)
        } catch {
            return pages.render("admin_error", ["title": "Unavailable", "message": "The store did not answer: \(error)"], status: .serviceUnavailable)
        }
    }

    static func row(_ event: InboxEvent) -> [String: Any] {
        [
            "id": event.id, "type": event.type, "object": event.objectID ?? "", "status": event.status.rawValue,
            "attempts": event.attempts, "note": event.lastError ?? "", "received": ISO8601DateFormatter().string(from: event.receivedAt),
            "replayable": event.status != .pending,
        ]
    }

    func replayAll(_ filter: EventFilter) async -> Int {
        var count = 0
        for event in (try? await store.listEvents(matching: filter, limit: 1000)) ?? [] where event.status != .pending {
            if (try? await store.replayEvent(id: event.id, now: now())) == true { count += 1 }
        }
        return count
    }

    func record(_ actor: String, _ action: String, _ detail: String) async {
        do {
            try await store.recordOperatorAction(OperatorAction(at: now(), actor: actor, action: action, detail: String(detail.prefix(500))))
        } catch {
            logger.error("could not record an operator action", metadata: ["action": "\(action)", "error": "\(error)"])
        }
    }

    // MARK: Helpers

    static func form(_ request: Request) async -> FormValue {
        var request = request
        return (try? await request.collectBody(upTo: 16 * 1024)).flatMap { try? FormDecoder.decode(String(buffer: $0)) } ?? .empty
    }

    static func filter(_ query: FlatDictionary<Substring, Substring>) -> EventFilter {
        EventFilter(
            status: query["status"].flatMap { InboxEventStatus(rawValue: String($0)) },
            type: nonEmpty(query["type"].map(String.init)), objectID: nonEmpty(query["object"].map(String.init)))
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return String(text.prefix(255))
    }

    static func describe(_ filter: EventFilter) -> String {
        [filter.status.map { "status \($0.rawValue)" }, filter.type.map { "type \($0)" }, filter.objectID.map { "object \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
