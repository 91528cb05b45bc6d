import Foundation
import FulfillmentCore
import Hummingbird
import StripeAPI

/// What goes out, in the console: customers' emails and the merchant's notifications and action effects, by
/// status (dead by default: what gave up after the three-day window), each dead one replayable. The pages
/// (`/admin/outgoing`, signed in, CSRF on every POST) and their JSON twins (`/admin/api/emails`,
/// `/admin/api/dispatches`, bearer token). Every replay is in the audit log; the store wakes the workers.
extension AdminController {
    func registerOutgoingPages(on console: RouterGroup<Context>) {
        console.get("outgoing") { request, _ in
            await withSession(request) { session, _ in
                let status = request.uri.queryParameters["status"].map(String.init) ?? "dead"
                return await outgoingPage(status: status, csrf: session.csrf)
            }
        }
        console.post("emails/replay") { request, _ in
            await withSession(request, form: true) { _, form in
                _ = await replayEmail(form["id"]?.stringValue ?? "", actor: "operator")
                return Response.redirect(to: "/admin/outgoing?status=dead", type: .found)
            }
        }
        console.post("dispatches/replay") { request, _ in
            await withSession(request, form: true) { _, form in
                _ = await replayDispatch(form["id"]?.stringValue ?? "", actor: "operator")
                return Response.redirect(to: "/admin/outgoing?status=dead", type: .found)
            }
        }
    }

    func registerOutgoingAPI(on api: RouterGroup<Context>, refusal: @escaping @Sendable (Request, Context) async -> Response?) {
        api.get("emails") { request, context in
            if let refused = await refusal(request, context) { return refused }
            guard let status = Self.status(request, EmailStatus.self) else { return json(.badRequest, error: "unknown status") }
            do {
                let emails = try await store.emails(status: status, limit: Self.limit(request))
                return json(.ok, encoding: ListAnswer(data: emails.map(EmailAnswer.init)))
            } catch {
                return json(.serviceUnavailable, error: "the store did not answer")
            }
        }
        api.post("emails/:id/replay") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let id = context.parameters.get("id") ?? ""
            guard await replayEmail(id, actor: "api token") else { return json(.notFound, error: "no dead email with this id") }
            return json(.ok, encoding: ReplayAnswer(id: id, status: EmailStatus.pending.rawValue))
        }
        api.get("dispatches") { request, context in
            if let refused = await refusal(request, context) { return refused }
            guard let status = Self.status(request, DispatchStatus.self) else { return json(.badRequest, error: "unknown status") }
            let subject = Self.nonEmpty(request.uri.queryParameters["subject"].map(String.init))
            do {
                let dispatches = try await store.dispatches(status: status, subjectID: subject, limit: Self.limit(request))
                return json(.ok, encoding: ListAnswer(data: dispatches.map(DispatchAnswer.init)))
            } catch {
                return json(.serviceUnavailable, error: "the store did not answer")
            }
        }
        api.post("dispatches/:id/replay") { request, context in
            if let refused = await refusal(request, context) { return refused }
            let id = context.parameters.get("id") ?? ""
            guard await replayDispatch(id, actor: "api token") else { return json(.notFound, error: "no dead dispatch with this id") }
            return json(.ok, encoding: ReplayAnswer(id: id, status: DispatchStatus.pending.rawValue))
        }
    }

    /// Replays a dead email; `false` if there is none with this id. Recorded in the audit log.
    func replayEmail(_ id: String, actor: String) async -> Bool {
        let replayed = if let number = Int64(id) { (try? await store.replayEmail(id: number, now: now())) ?? false } else { false }
        await record(actor, "replay email", "\(id.prefix(40)): \(replayed ? "queued" : "no dead email")")
        return replayed
    }

    /// Replays a dead dispatch (the console replays only dead ones; `fulfill dispatches replay` any).
    func replayDispatch(_ id: String, actor: String) async -> Bool {
        let dead = (try? await store.dispatch(id: id))?.status == .dead
        let replayed = dead ? ((try? await store.replayDispatch(id: id, now: now())) ?? false) : false
        await record(actor, "replay dispatch", "\(id.prefix(80)): \(replayed ? "queued" : "no dead dispatch")")
        return replayed
    }

    func outgoingPage(status: String, csrf: String) async -> Response {
        let emailStatus = status.isEmpty ? nil : EmailStatus(rawValue: status)
        let dispatchStatus = status.isEmpty ? nil : DispatchStatus(rawValue: status)
        do {
            let emails = status.isEmpty || emailStatus != nil ? try await store.emails(status: emailStatus, limit: 200) : []
            let dispatches = status.isEmpty || dispatchStatus != nil
                ? try await store.dispatches(status: dispatchStatus, subjectID: nil, limit: 200) : []
            let formatter = ISO8601DateFormatter()
            return pages.render(
                "admin_outgoing",
                [
                    "title": "Outgoing", "csrf": csrf, "status": status,
                    "statuses": ["dead", "pending", "sent", "delivered", ""].map { ["value": $0, "label": $0.isEmpty ? "all" : $0, "selected": $0 == status] },
                    "hasEmails": !emails.isEmpty, "hasDispatches": !dispatches.isEmpty,
                    "emails": emails.map { email in
                        [
                            "id": "\(email.id)", "key": email.email.dedupeKey, "recipient": email.email.recipient,
                            "status": email.status.rawValue, "attempts": email.attempts, "queued": formatter.string(from: email.createdAt),
                            "error": email.lastError ?? "", "replayable": email.status == .dead,
                        ] as [String: Any]
                    },
                    "dispatches": dispatches.map { entry in
                        [
                            "id": entry.dispatch.id, "channel": entry.dispatch.channel, "type": entry.dispatch.type,
                            "subject": entry.dispatch.subjectID, "status": entry.status.rawValue, "attempts": entry.attempts,
                            "queued": formatter.string(from: entry.createdAt), "error": entry.lastError ?? "",
                            "replayable": entry.status == .dead,
                        ] as [String: Any]
                    },
                ])
        } catch {
            return pages.render("admin_error", ["title": "Unavailable", "message": "The store did not answer: \(error)"], status: .serviceUnavailable)
        }
    }

    /// The `status` query parameter as one of `Status`'s values: `.some(nil)` when absent or empty, `nil` when
    /// it names no status.
    static func status<Status: RawRepresentable<String>>(_ request: Request, _ type: Status.Type) -> Status?? {
        guard let name = nonEmpty(request.uri.queryParameters["status"].map(String.init)) else { return .some(nil) }
        return Status(rawValue: name).map { .some($0) }
    }

    static func limit(_ request: Request) -> Int {
        min(max(request.uri.queryParameters["limit"].flatMap { Int(String($0)) } ?? 200, 1), 1000)
    }
}
