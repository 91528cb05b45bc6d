import Foundation
import HTTPTypes
import Hummingbird
import Logging
import StripeAPI

/// Test control under `/_emulator`, so tests and scripts drive every flow without a browser. Parameters
/// are form-encoded; answers are JSON (errors in Stripe's envelope).
struct ControlRoutes<Context: RequestContext>: Sendable {
    let responder: APIResponder
    var state: EmulatorState { responder.state }

    func register(on router: Router<Context>) {
        let state = self.state
        let control = router.group("_emulator")
        route(control, .post, "checkout/sessions/:id/complete") { id, form in
            try form.allowOnly(["outcome", "email", "name", "shipping", "quantities", "promotion_code", "custom_fields", "consent"])
            let outcomeName = try form.requiredString("outcome")
            guard let outcome = CheckoutSessionRecord.Outcome(rawValue: outcomeName) else {
                throw APIError.invalidRequest(
                    "outcome must be one of paid, declined, delayed_success, delayed_failure.", param: "outcome")
            }
            var quantities: [Int: Int] = [:]
            for (index, value) in (form.form["quantities"]?.arrayValue ?? []).enumerated() {
                if let text = value.stringValue, !text.isEmpty {
                    guard let quantity = Int(text) else {
                        throw APIError.invalidRequest("quantities[\(index)] must be an integer.", param: "quantities[\(index)]")
                    }
                    quantities[index] = quantity
                }
            }
            let shipping = try form.object("shipping").map { shipping throws(APIError) in try HostedPageRoutes<Context>.address(shipping) } ?? nil
            var answers = CheckoutAnswers()
            for field in form.form["custom_fields"]?.fields ?? [] { answers.customFields[field.key] = field.value.stringValue ?? "" }
            let consent = try form.object("consent")
            answers.termsAccepted = try consent?.string("terms_of_service") == "accepted"
            answers.promotionsOptIn = try consent?.string("promotions") == "opt_in"
            let result = try await state.completeCheckoutSession(
                id, outcome: outcome, email: try form.string("email"), name: try form.string("name"), shipping: shipping,
                quantities: quantities, answers: answers, promotionCode: try form.string("promotion_code"))
            return [
                "object": "emulator.checkout_completion", "outcome": .string(outcome.rawValue), "session": result.session,
                "redirect_url": .string(result.redirectURL),
                "declined": .bool(outcome == .declined),
            ]
        }
        // A visitor opens a Payment Link (with the URL's `client_reference_id`, if any): the session it made.
        route(control, .post, "payment_links/:id/sessions") { id, form, baseURL in
            try form.allowOnly(["client_reference_id", "prefilled_email"])
            let session = try await state.openPaymentLink(
                id, baseURL: baseURL, clientReferenceID: try form.string("client_reference_id"), email: try form.string("prefilled_email"))
            return session.json()
        }
        // The customer follows an expired session's recovery URL: the new session.
        route(control, .post, "checkout/sessions/:id/recover") { id, form in
            try form.allowOnly([])
            return try await state.recoverCheckoutSession(id).json()
        }
        route(control, .post, "sources/:id/authorize") { id, form in
            try form.allowOnly(["outcome", "charge_outcome"])
            let chargeOutcome = try form.string("charge_outcome")
            guard chargeOutcome == nil || chargeOutcome == "succeeded" || chargeOutcome == "failed" else {
                throw APIError.invalidRequest("charge_outcome must be succeeded or failed.", param: "charge_outcome")
            }
            let result = try await state.authorizeSource(
                id, outcome: try form.requiredString("outcome"), chargeSucceeds: chargeOutcome.map { $0 == "succeeded" })
            return ["object": "emulator.source_authorization", "source": result.source, "redirect_url": .string(result.redirectURL)]
        }
        route(control, .post, "payment_intents/:id/authorize") { id, form in
            try form.allowOnly(["outcome"])
            let outcome = try form.requiredString("outcome")
            guard outcome == "succeed" || outcome == "fail" else {
                throw APIError.invalidRequest("outcome must be succeed or fail.", param: "outcome")
            }
            let result = try await state.authorizePaymentIntent(id, succeed: outcome == "succeed")
            return [
                "object": "emulator.payment_intent_authorization", "payment_intent": result.intent,
                "redirect_url": .string(result.redirectURL),
            ]
        }
        route(control, .post, "charges/:id/dispute") { id, form in
            try form.allowOnly(["reason", "amount"])
            return try await state.openDispute(
                chargeID: id, reason: try form.string("reason"), amount: try form.int("amount", range: 1...99_999_999))
        }
        route(control, .post, "disputes/:id/close") { id, form in
            try form.allowOnly(["outcome"])
            let outcome = try form.requiredString("outcome")
            guard outcome == "won" || outcome == "lost" else {
                throw APIError.invalidRequest("outcome must be won or lost.", param: "outcome")
            }
            return try await state.closeDispute(id, won: outcome == "won")
        }
        route(control, .post, "clock/advance") { _, form in
            try form.allowOnly(["seconds"])
            return await state.advanceClock(by: try form.int("seconds", required: true, range: 0...400 * 24 * 3600)!)
        }
        route(control, .get, "clock") { _, _ in await state.advanceClock(by: 0) }
        route(control, .post, "faults") { _, form in try await state.updateFaults(form) }
        route(control, .get, "faults") { _, _ in await state.faultsJSON }
        // Stripe's event generation incidents: while one lasts, changes make no events; resolving it sends
        // `v2.core.health.event_generation_failure.resolved` to thin destinations.
        route(control, .post, "event_generation_failure") { _, form in
            try form.allowOnly(["failing"])
            guard let failing = try form.bool("failing") else {
                throw APIError.invalidRequest("Missing required param: failing.", param: "failing")
            }
            return failing ? await state.startEventGenerationFailure() : await state.resolveEventGenerationFailure()
        }
        route(control, .get, "event_generation_failure") { _, _ in await state.eventGenerationFailureJSON }
        route(control, .get, "requests") { _, _ in await state.requestLog.json }
        route(control, .get, "deliveries") { _, form in await state.listDeliveries(eventID: try form.string("event")) }
        route(control, .post, "webhooks/drain") { _, form in
            let timeout = try form.int("timeout_ms", range: 0...120_000) ?? 10_000
            let deadline = ContinuousClock.now + .milliseconds(timeout)
            while !(await state.deliveriesIdle) {
                guard ContinuousClock.now < deadline else {
                    throw APIError(
                        status: 504,
                        details: StripeErrorDetails(type: .apiError, message: "Deliveries still pending after \(timeout) ms."))
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            return ["object": "emulator.drain", "idle": true]
        }
        route(control, .post, "webhook_endpoints/:id/roll_secret") { id, form in
            try form.allowOnly(["expires_in", "secret"])
            return try await state.rollEndpointSecret(
                id, expiresIn: try form.int("expires_in", range: 0...7 * 24 * 3600) ?? 24 * 3600, secret: try form.string("secret"))
        }
    }

    private func route(
        _ group: RouterGroup<Context>, _ method: HTTPRequest.Method, _ path: RouterPath,
        _ operation: @escaping @Sendable (_ id: String, _ form: Parameters) async throws -> JSONValue
    ) {
        route(group, method, path) { id, form, _ in try await operation(id, form) }
    }

    /// A control route that also needs the base URL of hosted pages (as the request reached the emulator).
    private func route(
        _ group: RouterGroup<Context>, _ method: HTTPRequest.Method, _ path: RouterPath,
        _ operation: @escaping @Sendable (_ id: String, _ form: Parameters, _ baseURL: String) async throws -> JSONValue
    ) {
        group.on(path, method: method) { [responder] (request: Request, context: Context) -> Response in
            let id = context.parameters.get("id") ?? ""
            var request = request
            let text: String
            if request.method == .post {
                guard let buffer = try? await request.collectBody(upTo: APIResponder.maximumBodyBytes) else {
                    return responder.error(APIError.invalidRequest("The request body is too large."), requestID: nil)
                }
                text = String(buffer: buffer)
            } else {
                text = request.uri.query ?? ""
            }
            do {
                let form = try APIResponder.decodeForm(text)
                // Acting on an object, test control acts as its owner (a connected account's payment makes that
                // account's charges and events); without one, it sees everything.
                let scope: AccountScope = id.isEmpty ? .everything : .of(await responder.state.owner(of: id))
                let baseURL = responder.baseURL(of: request)
                let answer = try await AccountScope.$current.withValue(scope) { try await operation(id, Parameters(form), baseURL) }
                return responder.json(answer, status: .ok, requestID: nil)
            } catch {
                return responder.error(error, requestID: nil)
            }
        }
    }
}
