import HTTPTypes
import Hummingbird
import StripeAPI

/// The Stripe-compatible API under `/v1`.
struct EmulatorAPIRoutes<Context: RequestContext>: Sendable {
    let responder: APIResponder
    var state: EmulatorState { responder.state }

    func register(on router: Router<Context>) {
        let state = self.state
        let api = router.group("v1")
        route(api, .post, "accounts") { try await state.createAccount($1) }
        route(api, .get, "accounts") { try await state.listAccounts($1) }
        route(api, .get, "accounts/:id") { id, _ in try await state.retrieveAccount(id) }
        route(api, .post, "products") { try await state.createProduct($1) }
        route(api, .get, "products") { try await state.listProducts($1) }
        route(api, .get, "products/:id") { id, _ in try await state.retrieveProduct(id) }
        route(api, .post, "prices") { try await state.createPrice($1) }
        route(api, .get, "prices") { try await state.listPrices($1) }
        route(api, .get, "prices/:id") { try await state.retrievePrice($0, $1) }
        route(api, .post, "customers") { try await state.createCustomer($1) }
        route(api, .get, "customers/:id") { try await state.retrieveCustomer($0, $1) }
        route(api, .post, "customers/:id") { try await state.updateCustomer($0, $1) }
        route(api, .post, "subscriptions") { try await state.createSubscription($1) }
        route(api, .get, "subscriptions") { try await state.listSubscriptions($1) }
        route(api, .get, "subscriptions/:id") { try await state.retrieveSubscription($0, $1) }
        route(api, .post, "subscriptions/:id") { try await state.updateSubscription($0, $1) }
        route(api, .delete, "subscriptions/:id") { try await state.cancelSubscription($0, $1) }
        route(api, .get, "invoices") { try await state.listInvoices($1) }
        route(api, .get, "invoices/:id") { try await state.retrieveInvoice($0, $1) }
        route(api, .post, "invoices/:id/pay") { try await state.payInvoice($0, $1) }
        route(api, .post, "test_helpers/test_clocks") { try await state.createTestClock($1) }
        route(api, .get, "test_helpers/test_clocks/:id") { id, _ in try await state.retrieveTestClock(id) }
        route(api, .post, "test_helpers/test_clocks/:id/advance") { try await state.advanceTestClock($0, $1) }
        route(api, .post, "billing_portal/sessions") { try await state.createBillingPortalSession($1) }
        route(api, .post, "customers/:id/sources") { try await state.attachSource(customerID: $0, $1) }
        route(api, .post, "checkout/sessions") { try await state.createCheckoutSession($1) }
        route(api, .get, "checkout/sessions") { try await state.listCheckoutSessions($1) }
        route(api, .get, "checkout/sessions/:id") { try await state.retrieveCheckoutSession($0, $1) }
        route(api, .get, "checkout/sessions/:id/line_items") { try await state.listLineItems(sessionID: $0, $1) }
        route(api, .post, "checkout/sessions/:id/expire") { try await state.expireCheckoutSession($0, $1) }
        route(api, .post, "payment_links") { try await state.createPaymentLink($1) }
        route(api, .get, "payment_links") { try await state.listPaymentLinks($1) }
        route(api, .get, "payment_links/:id") { id, _ in try await state.retrievePaymentLink(id) }
        route(api, .post, "coupons") { try await state.createCoupon($1) }
        route(api, .post, "promotion_codes") { try await state.createPromotionCode($1) }
        route(api, .get, "promotion_codes/:id") { id, _ in try await state.retrievePromotionCode(id) }
        route(api, .post, "sources", publishable: true) { try await state.createSource($1) }
        route(api, .get, "sources/:id", publishable: true) { try await state.retrieveSource($0, $1) }
        route(api, .post, "charges") { try await state.createCharge($1) }
        route(api, .get, "charges") { try await state.listCharges($1) }
        route(api, .get, "charges/:id") { try await state.retrieveCharge($0, $1) }
        route(api, .post, "payment_methods", publishable: true) { try await state.createPaymentMethod($1) }
        route(api, .get, "payment_methods") { try await state.listPaymentMethods($1) }
        route(api, .get, "payment_methods/:id") { try await state.retrievePaymentMethod($0, $1) }
        route(api, .post, "payment_methods/:id/attach") { try await state.attachPaymentMethod($0, $1) }
        route(api, .post, "payment_methods/:id/detach") { try await state.detachPaymentMethod($0, $1) }
        route(api, .post, "payment_intents") { try await state.createPaymentIntent($1) }
        route(api, .post, "payment_intents/:id") { try await state.updatePaymentIntent($0, $1) }
        route(api, .post, "payment_intents/:id/confirm") { try await state.confirmPaymentIntent($0, $1) }
        route(api, .post, "payment_intents/:id/cancel") { try await state.cancelPaymentIntent($0, $1) }
        route(api, .get, "payment_intents") { try await state.listPaymentIntents($1) }
        route(api, .get, "payment_intents/:id") { try await state.retrievePaymentIntent($0, $1) }
        route(api, .post, "refunds") { try await state.createRefund($1) }
        route(api, .get, "refunds") { try await state.listRefunds($1) }
        route(api, .get, "refunds/:id") { try await state.retrieveRefund($0, $1) }
        route(api, .get, "disputes") { try await state.listDisputes($1) }
        route(api, .get, "disputes/:id") { try await state.retrieveDispute($0, $1) }
        route(api, .post, "disputes/:id") { try await state.updateDispute($0, $1) }
        route(api, .get, "events") { try await state.listEvents($1) }
        route(api, .get, "events/:id") { id, _ in try await state.retrieveEvent(id) }
        route(api, .post, "webhook_endpoints") { try await state.createWebhookEndpoint($1) }
        route(api, .get, "webhook_endpoints") { try await state.listWebhookEndpoints($1) }
        route(api, .get, "webhook_endpoints/:id") { id, _ in try await state.retrieveWebhookEndpoint(id) }
        route(api, .post, "webhook_endpoints/:id") { try await state.updateWebhookEndpoint($0, $1) }
        route(api, .delete, "webhook_endpoints/:id") { id, _ in try await state.deleteWebhookEndpoint(id) }
        for method in [HTTPRequest.Method.get, .post, .delete] {
            api.on("**", method: method) { [responder] request, _ in
                await responder.respond(request) { _ in
                    throw APIError(
                        status: 404,
                        details: StripeErrorDetails(
                            type: .invalidRequestError,
                            message: "Unrecognized request URL (\(request.method): \(request.uri.path)).")
                    )
                }
            }
        }
    }

    private func route(
        _ group: RouterGroup<Context>, _ method: HTTPRequest.Method, _ path: RouterPath, publishable: Bool = false,
        _ operation: @escaping @Sendable (_ id: String, _ call: APICall) async throws -> JSONValue
    ) {
        group.on(path, method: method) { [responder] request, context in
            let id = context.parameters.get("id") ?? ""
            return await responder.respond(request, allowPublishableKey: publishable) { call in
                try await operation(id, call)
            }
        }
    }
}
