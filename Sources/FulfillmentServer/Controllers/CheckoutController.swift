import Foundation
import FulfillmentCore
import HTTPTypes
import Hummingbird
import Prometheus
import Logging
import StripeAPI

/// The Checkout landing page (`GET /checkout/complete?session_id=...`) and its JSON twin
/// (`GET /api/checkout/sessions/{id}`). Both run fulfill-checkout with a bounded wait, then show what was
/// delivered: this read has a side effect by design (it fulfils a paid session whose webhook has not been
/// handled yet, which is idempotent). An unknown or malformed id is a plain 404 that reveals nothing. Ids the
/// ledger does not know cost a Stripe request, so they go through `lookups`: a budget per client, and one
/// Stripe request per id per interval.
///
/// A session id is no secret (success URLs, browser history, proxy logs), so the purchase's personal details
/// (the customer's email, the shipping address, the access links) go only to the buyer's browser: the first
/// visit of the landing page within `DoorSettings.buyerClaimWindow` of the purchase claims them (a second
/// side effect of this read, once per purchase) and gets a signed cookie (`BuyerCookie`). Everyone else sees
/// where the purchase stands and nothing personal.
struct CheckoutController<Context: RequestContext>: Sendable {
    let fulfiller: CheckoutFulfiller
    let store: any FulfillmentStore
    let pages: PageRenderer
    let wait: Duration
    let lookups: LookupGuard<View>
    let doors: Doors
    let buyerCookie: BuyerCookie
    /// How long after a purchase was first recorded the landing page may still claim it for a browser.
    let buyerClaimWindow: TimeInterval
    /// Purchases known to be claimed already: a stranger's visit then writes nothing.
    let claimed: ClaimedPurchases
    /// Customers' language when neither the session nor the browser names one spoken here.
    let defaultLanguage: CustomerLanguage
    let now: @Sendable () -> Date
    let logger: Logger

    func register(on router: Router<Context>) {
        let sessions = router.group("api/checkout/sessions")
        router.get("checkout/complete") { request, context in
            let id = request.uri.queryParameters["session_id"].map(String.init) ?? ""
            guard SessionID.isValid(id) else { return pages.notFound() }
            return await page(for: id, request: request, client: doors.client(request, context))
        }
        sessions.get(":id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard SessionID.isValid(id) else { return json(.notFound, error: "not found") }
            return await status(of: id, request: request, client: doors.client(request, context).address)
        }
    }


    typealias View = CheckoutView

    /// The `account` query parameter, when it reads as a connected account's id.
    static func account(in request: Request) -> String? {
        guard let value = request.uri.queryParameters["account"].map(String.init), value.hasPrefix("acct_"), value.count <= 64,
            value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { return nil }
        return value
    }

    /// The view of a session; one the ledger does not know goes through the lookup guard first. A connected
    /// account's session (Connect) is fetched on its account: the ledger's, else the `account` the success URL
    /// carries (`...?session_id={CHECKOUT_SESSION_ID}&account=acct_...`); a wrong one finds nothing.
    func view(of id: String, client: String, account: String?) async -> View {
        if let known = try? await store.purchase(subjectID: id) { return await view(of: id, account: known.account) }
        switch await lookups.lookUp(id: id, client: client, now: now(), perform: { await view(of: id, account: account) }) {
        case .tooMany(let retryAfter): return .tooMany(retryAfter: retryAfter)
        case .answer(let view): return view
        }
    }

    /// The landing page fulfils by design: the session is fetched and, if paid, fulfilled (once).
    func view(of id: String, account: String?) async -> View {
        let fulfiller = fulfiller.onAccount(account)
        let task = Task { try await fulfiller.fulfill(sessionID: id) }
        let outcome = await withTaskGroup(of: Swift.Result<CheckoutFulfiller.Result, any Error>?.self) { group in
            group.addTask { await task.result }
            group.addTask { [wait] in
                try? await Task.sleep(for: wait)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        // On timeout the fulfillment goes on in the background; it is idempotent, and the page refreshes.
        guard let outcome else { return .pending }
        switch outcome {
        case .success(let result):
            switch result {
            case .fulfilled(let record), .alreadyFulfilled(let record): return .delivered(record)
            case .awaitingPayment(let record):
                if let record, record.status == .paymentFailed { return .paymentFailed(record) }
                return .processing(record)
            case .notPaid(let status, let record):
                if let record, record.status == .paymentFailed { return .paymentFailed(record) }
                return status == .expired ? .expired : .unpaid
            case .notOurs:
                // Another integration's session on the same Stripe account (`FULFILL_WHEN`): not an order here.
                return .notFound
            }
        case .failure(let error as StripeError) where error.httpStatus == 404 || error.httpStatus == 403:
            // No such session, or no such connected account.
            return .notFound
        case .failure(let error):
            logger.warning("landing page could not fulfil", metadata: ["checkout.session.id": "\(id)", "error": "\(error)"])
            return .pending
        }
    }

    /// The landing page, in the customer's language: the session's (kept on the ledger), else the browser's,
    /// else `DEFAULT_LOCALE`.
    func page(for id: String, request: Request, client: RequestClient) async -> Response {
        let view = await view(of: id, client: client.address, account: Self.account(in: request))
        let language = view.record?.language ?? request.headers.browserLanguage(default: defaultLanguage)
        let t = language.texts
        let buyer = await buyerView(of: view.record, request: request, client: client)
        func render(_ key: String, tone: String, _ extra: [String: Any] = [:], status: HTTPResponse.Status = .ok) -> Response {
            var context: [String: Any] = view.record.map { Self.context($0, texts: t, personal: buyer.admitted) } ?? [:]
            if view.record != nil, !buyer.admitted { context["detailsWithheld"] = t("landing_details_withheld") }
            context["title"] = t("landing_\(key)_title")
            context["heading"] = t(t.entries["landing_\(key)_heading"] == nil ? "landing_\(key)_title" : "landing_\(key)_heading")
            context["message"] = t("landing_\(key)_message")
            context["tone"] = tone
            context.merge(extra) { _, new in new }
            var response = pages.render("landing", context, status: status, language: language)
            if let cookie = buyer.cookie { response.setCookie(cookie) }
            return response
        }
        switch view {
        case .notFound:
            return pages.notFound(language: language)
        case .tooMany(let retryAfter):
            var response = pages.render(
                "landing",
                ["title": t("too_many_title"), "heading": t("too_many_title"), "tone": "warn", "message": t("too_many_message")],
                status: .tooManyRequests, language: language)
            response.headers[.retryAfter] = "\(retryAfter)"
            return response
        case .delivered(let record):
            let backordered = record.lines.contains { $0.outcome.backordered > 0 }
            return render("delivered", tone: "ok", backordered ? ["message": t("landing_backordered_message")] : [:])
        case .processing:
            return render("processing", tone: "warn", ["hasLines": false])
        case .paymentFailed:
            return render("failed", tone: "bad", ["hasLines": false, "retryURL": "/"])
        case .expired:
            return render("expired", tone: "bad", ["retryURL": "/"])
        case .unpaid:
            return render("unpaid", tone: "warn", ["refresh": 3])
        case .pending:
            return render("pending", tone: "warn", ["refresh": 3])
        }
    }

    /// Whether this browser sees the purchase's personal details: it holds the purchase's cookie, or it is the
    /// first to visit the landing page within the claim window (then the cookie comes with this answer).
    func buyerView(of record: Purchase?, request: Request, client: RequestClient) async -> (admitted: Bool, cookie: Cookie?) {
        guard let record else { return (false, nil) }
        if buyerCookie.admits(request.cookies, subjectID: record.subjectID, now: now()) { return (true, nil) }
        guard now().timeIntervalSince(record.createdAt) <= buyerClaimWindow, !claimed.contains(record.subjectID) else { return (false, nil) }
        do {
            let won = try await store.claimBuyerView(subjectID: record.subjectID, now: now())
            claimed.insert(record.subjectID)
            guard won else { return (false, nil) }
        } catch {
            logger.warning("could not claim a purchase's details", metadata: ["checkout.session.id": "\(record.subjectID)", "error": "\(error)"])
            return (false, nil)
        }
        return (true, buyerCookie.cookie(for: record.subjectID, now: now(), secure: client.https))
    }

    func status(of id: String, request: Request, client: String) async -> Response {
        let view = await view(of: id, client: client, account: Self.account(in: request))
        let personal = view.record.map { buyerCookie.admits(request.cookies, subjectID: $0.subjectID, now: now()) } ?? false
        let after = await afterPayment(view.record?.subjectID)
        func answer(_ record: Purchase) -> CheckoutStatusAnswer {
            var answer = CheckoutStatusAnswer(record, personal: personal, after: after)
            // A subscription's session answers for the subscription it started, under its own id.
            if record.kind == .subscription {
                answer.sessionID = id
                answer.subscription = record.subjectID
            }
            return answer
        }
        switch view {
        case .notFound: return json(.notFound, error: "not found")
        case .tooMany(let retryAfter):
            return tooMany(retryAfter: retryAfter, error: "too many lookups of unknown sessions; retry later")
        case .delivered(let record), .paymentFailed(let record): return json(.ok, encoding: answer(record))
        case .processing(let record):
            var processing = record.map(answer) ?? CheckoutStatusAnswer(sessionID: id, status: "", lineItems: nil, record: nil)
            processing.status = PurchaseStatus.awaitingPayment.rawValue
            return json(.ok, encoding: processing)
        case .expired: return json(.ok, encoding: CheckoutStatusAnswer(unknown: id, status: "expired"))
        case .unpaid: return json(.ok, encoding: CheckoutStatusAnswer(unknown: id, status: "open"))
        case .pending: return json(.accepted, encoding: CheckoutStatusAnswer(unknown: id, status: "pending"))
        }
    }

    /// What happened to the purchase's payment since, if anything (read for the status JSON).
    func afterPayment(_ sessionID: String?) async -> AfterPaymentRecord? {
        guard let sessionID else { return nil }
        do {
            return try await store.afterPayment(subjectID: sessionID)
        } catch {
            logger.warning("could not read a purchase's refunds and disputes", metadata: ["checkout.session.id": "\(sessionID)", "error": "\(error)"])
            return nil
        }
    }

    /// The landing page's context; `personal`: with the access links, the shipping address and the email.
    static func context(_ record: Purchase, texts: Texts, personal: Bool) -> [String: Any] {
        var context: [String: Any] = ["hasLines": !record.lines.isEmpty]
        context["lines"] = record.lines.map { line -> [String: Any] in
            var entry: [String: Any] = ["lineItemID": line.lineItemID, "description": line.description, "quantity": line.quantity]
            switch line.outcome {
            case .accessGranted(let url):
                if personal { entry["accessURL"] = url } else { entry["accessWithheld"] = true }
            case .shipped(_, let quantity, let backordered):
                if quantity > 0 { entry["shipped"] = quantity }
                if backordered > 0 { entry["backordered"] = backordered }
            case .stockTaken(let quantity, let backordered):
                if quantity > 0 { entry["stockTaken"] = quantity }
                if backordered > 0 { entry["backordered"] = backordered }
            case .recorded: entry["recorded"] = true
            case .queued: entry["queued"] = true
            }
            return entry
        }
        if personal, let shipping = record.shipping, record.lines.contains(where: { $0.outcome.kind == .shipped }) {
            context["shipping"] = [
                "name": shipping.name ?? "", "line1": shipping.address?.line1 ?? "", "city": shipping.address?.city ?? "",
                "postalCode": shipping.address?.postalCode ?? "", "country": shipping.address?.country ?? "",
            ]
        }
        if let amount = record.amountTotal, let currency = record.currency { context["total"] = texts.money(amount, currency) }
        if personal, let email = record.customerEmail { context["receiptNote"] = texts("receipt_goes_to", ["email": email]) }
        return context
    }
}

/// Checkout Session ids as Stripe makes them; anything else never reaches Stripe.
enum SessionID {
    static func isValid(_ id: String) -> Bool {
        let prefixes = ["cs_test_", "cs_live_"]
        guard let prefix = prefixes.first(where: id.hasPrefix), id.utf8.count <= 255 else { return false }
        let rest = id.dropFirst(prefix.count)
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

/// What the customer and the API see of a Checkout Session.
enum CheckoutView: Sendable {
    case delivered(Purchase)
    case processing(Purchase?)
    case paymentFailed(Purchase)
    case expired
    case unpaid
    case notFound
    /// The bounded wait ran out or Stripe could not be reached: show what we have and refresh.
    case pending
    /// This client looked up too many ids the ledger does not know.
    case tooMany(retryAfter: Int)

    /// The ledger's record the view shows, if any.
    var record: Purchase? {
        switch self {
        case .delivered(let record), .paymentFailed(let record): record
        case .processing(let record): record
        case .expired, .unpaid, .notFound, .pending, .tooMany: nil
        }
    }
}
