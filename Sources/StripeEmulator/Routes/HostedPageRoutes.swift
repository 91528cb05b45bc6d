import HTTPTypes
import Hummingbird
import StripeAPI

/// The pages a customer sees: checkout at `/c/pay/{id}`, source authorisation at `/sources/{id}/authorize`
/// and a PaymentIntent's next action at `/payment_intents/{id}/authorize`. Both post back a form and redirect the customer the way Stripe does.
struct HostedPageRoutes<Context: RequestContext>: Sendable {
    let state: EmulatorState

    func register(on router: Router<Context>) {
        let state = self.state
        on(router, .get, "c/pay/:id") { _, context in
            guard let session = await state.sessionRecord(context.parameters.get("id") ?? "") else { return Self.notFound() }
            return Self.html(CheckoutPage(session: session, errorMessage: nil).html)
        }
        on(router, .post, "c/pay/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard await state.sessionRecord(id) != nil else { return Self.notFound() }
            let form = Parameters((try? FormDecoder.decode(await Self.body(request))) ?? .empty)
            do {
                let outcome = CheckoutSessionRecord.Outcome(rawValue: try form.string("outcome") ?? "paid") ?? .paid
                var quantities: [Int: Int] = [:]
                for field in form.form.fields ?? [] where field.key.hasPrefix("quantity_") {
                    if let index = Int(field.key.dropFirst(9)), let quantity = field.value.stringValue.flatMap({ Int($0) }) {
                        quantities[index] = quantity
                    }
                }
                let shipping = try Self.address(form)
                let result = try await state.completeCheckoutSession(
                    id, outcome: outcome, email: try form.string("email"), name: try form.string("name"),
                    shipping: shipping, quantities: quantities)
                if let redirect = result.redirectURL { return Response.redirect(to: redirect, type: .found) }
                return Self.html(CheckoutPage(session: await state.sessionRecord(id)!, errorMessage: "Your card was declined.").html)
            } catch let error as APIError {
                return Self.html(
                    CheckoutPage(session: await state.sessionRecord(id)!, errorMessage: error.details.message).html,
                    status: .badRequest)
            }
        }
        // A Payment Link: each visit makes a session and goes to its page.
        on(router, .get, "b/:id") { [state] request, context in
            let query = request.uri.queryParameters
            do {
                let session = try await state.openPaymentLink(
                    context.parameters.get("id") ?? "", baseURL: Self.baseURL(of: request),
                    clientReferenceID: query["client_reference_id"].map(String.init), email: query["prefilled_email"].map(String.init))
                return Response.redirect(to: session.pageURL, type: .normal)
            } catch {
                return Self.notFound()
            }
        }
        on(router, .get, "b/:id/thanks") { _, _ in Self.html(HTML.page(title: "Thank you", body: "<h1>Thank you for your purchase</h1>")) }
        // An invoice's hosted page: what is due, and a test card to pay it with (a failed renewal's link).
        on(router, .get, "i/:id") { [state] _, context in
            guard let invoice = await state.invoiceRecord(context.parameters.get("id") ?? "") else { return Self.notFound() }
            return Self.html(Self.invoicePage(invoice, message: nil))
        }
        on(router, .post, "i/:id") { [state] request, context in
            let id = context.parameters.get("id") ?? ""
            guard await state.invoiceRecord(id) != nil else { return Self.notFound() }
            let form = (try? FormDecoder.decode(await Self.body(request))) ?? .empty
            let card = form["card"]?.stringValue == "declined" ? "pm_card_chargeDeclined" : "pm_card_visa"
            let paid = await state.payInvoiceOnHostedPage(id, with: card)
            guard let invoice = await state.invoiceRecord(id) else { return Self.notFound() }
            return Self.html(Self.invoicePage(invoice, message: paid ? "Paid. Thank you." : "Your card was declined."))
        }
        // The billing portal: the customer's subscriptions, to cancel (at period end or now) or renew.
        router.get("p/session/:id") { [state] _, context in
            guard let view = await state.portalView(context.parameters.get("id") ?? "") else { return Self.notFound() }
            return Self.html(Self.portalPage(id: context.parameters.get("id") ?? "", view: view))
        }
        router.post("p/session/:id") { [state] request, context in
            let id = context.parameters.get("id") ?? ""
            let form = (try? FormDecoder.decode(await Self.body(request))) ?? .empty
            do {
                try await state.portalAction(id, subscription: form["subscription"]?.stringValue ?? "", action: form["action"]?.stringValue ?? "")
            } catch {
                return Self.notFound()
            }
            guard let view = await state.portalView(id) else { return Self.notFound() }
            return Self.html(Self.portalPage(id: id, view: view))
        }
        // An expired session's recovery URL: a new session for the same purchase.
        on(router, .get, "c/recover/:id") { [state] _, context in
            guard let session = try? await state.recoverCheckoutSession(context.parameters.get("id") ?? "") else { return Self.notFound() }
            return Response.redirect(to: session.pageURL, type: .normal)
        }
        on(router, .get, "sources/:id/authorize") { request, context in
            guard let source = await state.sourceRecord(context.parameters.get("id") ?? ""),
                request.uri.queryParameters["client_secret"].map(String.init) == source.clientSecret
            else { return Self.notFound() }
            return Self.html(SourceAuthorizationPage(source: source).html)
        }
        on(router, .post, "sources/:id/authorize") { request, context in
            let id = context.parameters.get("id") ?? ""
            let form = (try? FormDecoder.decode(await Self.body(request))) ?? .empty
            guard let source = await state.sourceRecord(id), form["client_secret"]?.stringValue == source.clientSecret else {
                return Self.notFound()
            }
            let outcome = form["action"]?.stringValue == "authorize" ? "chargeable" : "failed"
            do {
                let result = try await state.authorizeSource(id, outcome: outcome, chargeSucceeds: nil)
                if let redirect = result.redirectURL { return Response.redirect(to: redirect, type: .found) }
                return Self.html(SourceAuthorizationPage(source: await state.sourceRecord(id)!).html)
            } catch {
                return Self.html(SourceAuthorizationPage(source: await state.sourceRecord(id)!).html, status: .conflict)
            }
        }
        on(router, .get, "payment_intents/:id/authorize") { request, context in
            guard let intent = await state.paymentIntentRecord(context.parameters.get("id") ?? ""),
                request.uri.queryParameters["client_secret"].map(String.init) == intent.clientSecret
            else { return Self.notFound() }
            var method = "card"
            if let methodID = intent.paymentMethodID, let found = await state.paymentMethod(methodID) { method = found.kind.rawValue }
            return Self.html(PaymentIntentAuthorizationPage(intent: intent, method: method).html)
        }
        on(router, .post, "payment_intents/:id/authorize") { request, context in
            let id = context.parameters.get("id") ?? ""
            let form = (try? FormDecoder.decode(await Self.body(request))) ?? .empty
            guard let intent = await state.paymentIntentRecord(id), form["client_secret"]?.stringValue == intent.clientSecret else {
                return Self.notFound()
            }
            do {
                let result = try await state.authorizePaymentIntent(id, succeed: form["action"]?.stringValue == "authorize")
                if let redirect = result.redirectURL { return Response.redirect(to: redirect, type: .found) }
                return Self.html(PaymentIntentAuthorizationPage(intent: await state.paymentIntentRecord(id)!, method: "").html)
            } catch {
                return Self.html(PaymentIntentAuthorizationPage(intent: await state.paymentIntentRecord(id)!, method: "").html, status: .conflict)
            }
        }
        on(router, .get, "sources/:id/mandate") { _, context in
            guard let source = await state.sourceRecord(context.parameters.get("id") ?? "") else { return Self.notFound() }
            return Self.html(
                HTML.page(
                    title: "SEPA Direct Debit mandate",
                    body: "<h1>SEPA Direct Debit mandate</h1><p>Mandate for source \(HTML.escape(source.id)) (test mode).</p>"))
        }
    }

    /// A page acts as its object's owner (Connect): what the customer's answer makes, and the events it
    /// sends, belong to the account the session, source or PaymentIntent belongs to.
    private func on(
        _ router: Router<Context>, _ method: HTTPRequest.Method, _ path: RouterPath,
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        router.on(path, method: method) { [state] request, context in
            let owner = await state.owner(of: context.parameters.get("id") ?? "")
            return try await AccountScope.$current.withValue(.of(owner)) { try await handler(request, context) }
        }
    }

    static func portalPage(id: String, view: (customer: String, returnURL: String?, subscriptions: [SubscriptionRecord])) -> String {
        let rows = view.subscriptions.map { subscription in
            let actions = subscription.status == .canceled ? "" : """
                <form method="post"><input type="hidden" name="subscription" value="\(HTML.escape(subscription.id))">
                \(subscription.cancelAtPeriodEnd
                    ? #"<button name="action" value="renew" class="renew">Renew</button>"#
                    : #"<button name="action" value="cancel_at_period_end" class="cancel-at-end">Cancel at period end</button>"#)
                <button class="secondary cancel-now" name="action" value="cancel_now">Cancel now</button></form>
                """
            return """
                <tr class="subscription" id="\(HTML.escape(subscription.id))"><td>\(HTML.escape(subscription.id))</td>
                <td class="status">\(HTML.escape(subscription.status.rawValue))\(subscription.cancelAtPeriodEnd ? " (cancels at period end)" : "")</td>
                <td>\(actions)</td></tr>
                """
        }.joined()
        let back = view.returnURL.map { #"<p><a id="return" href="\#(HTML.escape($0))">Return</a></p>"# } ?? ""
        return HTML.page(
            title: "Billing portal",
            body: """
                <span class="badge">Test mode</span><h1>Your subscriptions</h1><table>\(rows)</table>\(back)
                """)
    }

    static func invoicePage(_ invoice: InvoiceRecord, message: String?) -> String {
        let due = HTML.money(invoice.amountDue, invoice.currency)
        let form = invoice.status == .open
            ? """
            <form method="post"><button name="card" value="visa" id="pay">Pay \(due) with 4242 4242 4242 4242</button>
            <button class="secondary" name="card" value="declined" id="decline">Pay with a declined card</button></form>
            """ : ""
        return HTML.page(
            title: "Invoice \(invoice.id)",
            body: """
                <span class="badge">Test mode</span><h1>Invoice <span id="status">\(HTML.escape(invoice.status.rawValue))</span></h1>
                <p>Amount due: <strong id="amount">\(due)</strong></p>
                \(message.map { "<p class=\"muted\" id=\"message\">\(HTML.escape($0))</p>" } ?? "")\(form)
                """)
    }

    static func baseURL(of request: Request) -> String {
        "http://\(request.head.authority ?? "localhost:12111")"
    }

    static func address(_ form: Parameters) throws(APIError) -> Address? {
        guard let line1 = try form.string("line1") else { return nil }
        return Address(
            city: try form.string("city"), country: try form.string("country"), line1: line1,
            postalCode: try form.string("postal_code"))
    }

    static func body(_ request: Request) async -> String {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else { return "" }
        return String(buffer: buffer)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func notFound() -> Response {
        html(HTML.page(title: "Not found", body: "<h1>Not found</h1><p class=\"muted\">There is nothing here.</p>"), status: .notFound)
    }
}
