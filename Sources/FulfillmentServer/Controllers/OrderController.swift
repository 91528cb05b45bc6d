import Foundation
import FulfillmentCore
import HTTPTypes
import Hummingbird
import Logging
import StripeAPI

/// Orders over HTTP: `POST /api/orders` creates an order and its payment (a PaymentIntent, or a source) and
/// says where to send the customer; `GET /orders/{id}` is the confirmation page (the return URL), which polls
/// `GET /api/orders/{id}`; `POST /api/orders/{id}/payment` pays again after a failed attempt. The status
/// endpoint may look at the payment at Stripe itself (a read with a purpose: it may charge a chargeable source
/// or record a settled PaymentIntent) without waiting for the webhook. Order ids are unguessable; an unknown or malformed one is a 404 that reveals nothing.
struct OrderController<Context: RequestContext>: Sendable {
    let payments: OrderPayments
    let desk: OrderDesk
    let door: OrderDoor
    /// Refunds and disputes, for the status JSON.
    let store: any FulfillmentStore
    let pages: PageRenderer
    /// Customers' language when neither the order nor the browser names one spoken here.
    let defaultLanguage: CustomerLanguage
    /// Lookups of order ids the store does not know: a budget per client (they never reach Stripe), so order
    /// ids cannot be probed at speed.
    let unknownLookups: LookupGuard<Bool>
    /// Who is asking, the order key's throttle and the budget of orders without the key.
    let doors: Doors
    let now: @Sendable () -> Date
    let logger: Logger
    /// Largest order request accepted.
    static var maximumRequestBytes: Int { 64 * 1024 }

    func register(on router: Router<Context>) {
        let orders = router.group("api/orders")
        orders.post { request, context in await create(request, client: doors.client(request, context)) }
        orders.post(":id/payment") { request, context in
            await payAgain(request, id: context.parameters.get("id") ?? "", client: doors.client(request, context))
        }
        orders.get(":id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard OrderID.isValid(id) else { return json(.notFound, error: "not found") }
            do {
                guard let order = try await desk.refresh(orderID: id) else {
                    if let retryAfter = await unknown(id, request, context) {
                        return tooMany(retryAfter: retryAfter, error: "too many lookups of unknown orders; retry later")
                    }
                    return json(.notFound, error: "not found")
                }
                let after = AfterPaymentSummary(try await store.afterPayment(subjectID: order.id))
                return json(.ok, encoding: OrderStatusAnswer(order, after: after))
            } catch {
                logger.error("order status failed", metadata: ["order.id": "\(id)", "error": "\(error)"])
                return json(.serviceUnavailable, error: "The order status is unavailable; please retry.")
            }
        }
        router.get("orders/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            let browser = request.headers.browserLanguage(default: defaultLanguage)
            guard OrderID.isValid(id) else { return pages.notFound(language: browser) }
            do {
                guard let order = try await desk.refresh(orderID: id) else {
                    if let retryAfter = await unknown(id, request, context) {
                        let t = browser.texts
                        var response = pages.render(
                            "landing", ["title": t("too_many_title"), "heading": t("too_many_title"), "tone": "warn", "message": t("too_many_message")],
                            status: .tooManyRequests, language: browser)
                        response.headers[.retryAfter] = "\(retryAfter)"
                        return response
                    }
                    return pages.notFound(language: browser)
                }
                let language = order.language ?? browser
                return pages.render("order", Self.pageContext(order, texts: language.texts), language: language)
            } catch {
                logger.error("order page failed", metadata: ["order.id": "\(id)", "error": "\(error)"])
                let t = browser.texts
                return pages.render(
                    "order", ["title": t("order_title"), "heading": t("order_awaiting_title"), "message": t("order_unavailable")],
                    status: .serviceUnavailable, language: browser)
            }
        }
    }

    /// Charges an unknown order id to the client's budget; the seconds to wait when it is spent.
    func unknown(_ id: String, _ request: Request, _ context: Context) async -> Int? {
        if case .tooMany(let retryAfter) = await unknownLookups.lookUp(
            id: id, client: doors.client(request, context).address, now: now(), perform: { false })
        {
            return retryAfter
        }
        return nil
    }

    /// Creates an order. The merchant's backend proves itself with the order key (throttled like every
    /// credential); anyone else pays from the budget of public orders, per client and in total, before the body
    /// is read: each order creates an object at Stripe.
    func create(_ request: Request, client: RequestClient) async -> Response {
        let merchant: Bool
        switch await doors.checkBearer(request, client: client, expected: door.apiKey, door: doors.orderKey, name: "order key", now: now()) {
        case .accepted: merchant = true
        case .absent: merchant = false
        case .wrong: return json(.unauthorized, error: "The Authorization header does not carry the order API key.")
        case .tooMany(let retryAfter): return tooMany(retryAfter: retryAfter)
        }
        if !merchant, let retryAfter = doors.publicOrders.admit(client: client.address, now: now()) {
            await doors.refused("orders", client: client, reason: "budget spent", audited: false)
            return tooMany(retryAfter: retryAfter, error: "Too many orders; retry after \(retryAfter) s.")
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maximumRequestBytes)
        } catch {
            return json(.contentTooLarge, error: "The order request exceeds \(Self.maximumRequestBytes) bytes.")
        }
        let validated: OrderRequest.Validated
        do {
            validated = try JSONDecoder().decode(OrderRequest.self, from: Data(body.readableBytesView)).validated()
        } catch let error as OrderRequestError {
            return json(.badRequest, error: error.description)
        } catch {
            return json(.badRequest, error: "The body must be a JSON order: currency, email, payment_method, items or amount.")
        }
        do {
            try door.check(validated, merchant: merchant)
        } catch {
            switch error {
            case .unauthorized(let reason): return json(.unauthorized, error: reason)
            case .forbidden(let reason): return json(.forbidden, error: reason)
            case .badRequest(let reason): return json(.badRequest, error: reason)
            }
        }
        do {
            let payer = OrderPayer(merchant: merchant, ipAddress: client.address, userAgent: request.headers[.userAgent])
            let order = try await desk.createOrder(validated, acceptLanguage: request.headers[.acceptLanguage], payer: payer)
            return json(.created, encoding: OrderStatusAnswer(order, nextURL: order.redirectURL ?? payments.pageURL(orderID: order.id)))
        } catch let error as OrderRequestError {
            // An item's price is unknown, inactive, in another currency, or names no action.
            return json(.badRequest, error: error.description)
        } catch let error as StripeError where error.httpStatus == 400 || error.httpStatus == 402 {
            // Stripe refused the payment details (an invalid IBAN, an unknown token): the customer can fix them.
            return json(.badRequest, error: error.details.message ?? "The payment details were refused.")
        } catch {
            logger.error("order creation failed", metadata: ["error": "\(error)"])
            return json(.badGateway, error: "The payment could not be started; please retry.")
        }
    }

    /// Another attempt on an open order whose last attempt failed: the order id is the customer's capability
    /// (as for its page), and each attempt pays from the budget of public orders (it reaches Stripe).
    func payAgain(_ request: Request, id: String, client: RequestClient) async -> Response {
        guard OrderID.isValid(id) else { return json(.notFound, error: "not found") }
        if let retryAfter = doors.publicOrders.admit(client: client.address, now: now()) {
            await doors.refused("orders", client: client, reason: "budget spent", audited: false)
            return tooMany(retryAfter: retryAfter, error: "Too many payments; retry after \(retryAfter) s.")
        }
        var request = request
        let choice: OrderPaymentChoice
        do {
            let body = try await request.collectBody(upTo: Self.maximumRequestBytes)
            choice = try JSONDecoder().decode(OrderPaymentChoice.self, from: Data(body.readableBytesView))
            _ = try choice.checkedForPaymentIntent()
        } catch let error as OrderRequestError {
            return json(.badRequest, error: error.description)
        } catch {
            return json(.badRequest, error: "The body must be a JSON payment: payment_method and its details.")
        }
        do {
            let payer = OrderPayer(merchant: false, ipAddress: client.address, userAgent: request.headers[.userAgent])
            guard let order = try await desk.payAgain(orderID: id, with: choice, payer: payer) else {
                return json(.notFound, error: "not found")
            }
            return json(.ok, encoding: OrderStatusAnswer(order, nextURL: order.redirectURL ?? payments.pageURL(orderID: order.id)))
        } catch let error as OrderRequestError {
            return json(.conflict, error: error.description)
        } catch let error as StripeError where error.httpStatus == 400 || error.httpStatus == 402 {
            return json(.badRequest, error: error.details.message ?? "The payment details were refused.")
        } catch {
            logger.error("order payment failed", metadata: ["order.id": "\(id)", "error": "\(error)"])
            return json(.badGateway, error: "The payment could not be started; please retry.")
        }
    }

    static func pageContext(_ order: Order, texts: Texts) -> [String: Any] {
        let message = OrderMessage(for: order, texts: texts)
        return [
            "title": texts("order_title"), "orderID": order.id, "heading": message.title, "message": message.detail,
            "state": message.state, "final": message.isFinal ? "true" : "false",
            "tone": order.status == .paid ? "ok" : order.status == .canceled ? "bad" : "warn",
            "total": texts.money(order.amount, order.currency),
            "items": order.items.map { ["name": $0.name, "quantity": $0.quantity] },
            "retryURL": order.retryURL, "failed": order.status == .canceled, "canPayAgain": order.canPayAgain,
            "method": order.paymentMethod.rawValue,
        ]
    }
}

/// `ord_` and 24 letters or digits, as `OrderPayments` makes them.
enum OrderID {
    static func isValid(_ id: String) -> Bool {
        guard id.hasPrefix("ord_"), id.utf8.count == 28 else { return false }
        return id.dropFirst(4).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
