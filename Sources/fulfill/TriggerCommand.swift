import ArgumentParser
import Foundation
import StripeAPI

/// `fulfill trigger SCENARIO`: drives the emulator through a flow, as `stripe trigger` does, and shows what
/// the service made of it (its status JSON) once the outcome is final.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Drive a payment scenario through the emulator and show the service's result.",
        discussion: "Scenarios: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")

    enum Scenario: String, CaseIterable, ExpressibleByArgument {
        case checkoutPaid = "checkout.paid"
        case checkoutAsyncSucceeded = "checkout.async_payment_succeeded"
        case checkoutAsyncFailed = "checkout.async_payment_failed"
        case checkoutExpired = "checkout.expired"
        case checkoutDeclined = "checkout.declined"
        case sourceChargeable = "source.chargeable"
        case sourceFailed = "source.failed"
        case sourceCanceled = "source.canceled"
        case chargeFailed = "charge.failed"
        case chargeDelayed = "charge.delayed_settlement"
        case cardDeclined = "card.declined"
        case paymentIntentSucceeded = "payment_intent.succeeded"
        case paymentIntentFailed = "payment_intent.payment_failed"
        case paymentIntentProcessing = "payment_intent.processing"
        case paymentIntentThreeDSecure = "payment_intent.3ds_authorized"

        var isOrder: Bool { rawValue.hasPrefix("source.") || rawValue.hasPrefix("charge.") || rawValue.hasPrefix("card.") }
        var isPaymentIntentOrder: Bool { rawValue.hasPrefix("payment_intent.") }
    }

    @Argument(help: "The scenario to run.")
    var scenario: Scenario

    @Option(name: .customLong("api-base"), help: "The emulator.")
    var apiBase = "http://127.0.0.1:12111"

    @Option(name: .customLong("service-url"), help: "The fulfillment service (for its result).")
    var serviceURL = "http://127.0.0.1:4242"

    @Option(help: "Seconds to wait for the service's final result.")
    var timeout = 30.0

    func run() async throws {
        if scenario.isPaymentIntentOrder {
            try await runPaymentIntentOrder()
        } else if scenario.isOrder {
            try await runOrder()
        } else {
            try await runCheckout()
        }
    }

    /// An order on a PaymentIntent (the default flow): created through the service, then the bank's (or 3-D
    /// Secure's) answer given on the emulator, or the SEPA debit settled by advancing its clock.
    func runPaymentIntentOrder() async throws {
        var fields: [String: JSONValue] = [
            "items": [["price": .string(try await tulipPrice()), "quantity": 1]], "currency": "eur",
            "email": "trigger@example.com", "payment_flow": "payment_intents",
        ]
        switch scenario {
        case .paymentIntentProcessing:
            fields["payment_method"] = "sepa_debit"
            fields["iban"] = "DE89370400440532013000"
            fields["mandate_accepted"] = true
        case .paymentIntentThreeDSecure:
            fields["payment_method"] = "card"
            fields["payment_method_id"] = "pm_card_threeDSecure2Required"
        default:
            fields["payment_method"] = "ideal"
        }
        let (status, body) = try await fetch("\(serviceURL)/api/orders", json: .object(fields))
        guard status == 201, let created = try? JSONValue.parse(Data(body.utf8)), let orderID = created["id"]?.stringValue,
            let intentID = created["payment_intent"]?.stringValue
        else {
            throw ValidationError("The service refused the order (\(status)): \(body)")
        }
        say("order    \(orderID) (\(created["payment_method"]?.stringValue ?? "-"), PaymentIntent \(intentID))")
        let statusURL = "\(serviceURL)/api/orders/\(orderID)"
        switch scenario {
        case .paymentIntentFailed:
            try await control("/payment_intents/\(intentID)/authorize", ["outcome": "fail"])
        case .paymentIntentProcessing:
            try await waitFor(["charge_pending"], at: statusURL, label: "pending ")
            try await control("/clock/advance", ["seconds": .int(8 * 24 * 3600)])
        default:
            try await control("/payment_intents/\(intentID)/authorize", ["outcome": "succeed"])
        }
        say("page     \(serviceURL)/orders/\(orderID)")
        if scenario == .paymentIntentFailed {
            try await waitFor(["awaiting_payment"], at: statusURL, when: { $0["can_pay_again"]?.boolValue == true })
        } else {
            try await waitFor(["paid"], at: statusURL)
        }
    }

    /// The Sources flow (the legacy flow, asked for by name): the order is created through the service (so that it knows it), then the customer's
    /// side is played on the emulator.
    func runOrder() async throws {
        var fields: [String: JSONValue] = [
            "items": [["price": .string(try await tulipPrice()), "quantity": 1]], "currency": "eur",
            "email": "trigger@example.com",
        ]
        switch scenario {
        case .chargeFailed, .chargeDelayed:
            fields["payment_method"] = "sofort"
            fields["sofort_country"] = "DE"
        case .cardDeclined:
            fields["payment_method"] = "card"
            fields["card_token"] = "tok_chargeDeclined"
        default:
            fields["payment_method"] = "ideal"
        }
        fields["payment_flow"] = "sources"
        let (status, body) = try await fetch("\(serviceURL)/api/orders", json: .object(fields))
        guard status == 201, let created = try? JSONValue.parse(Data(body.utf8)), let orderID = created["id"]?.stringValue else {
            throw ValidationError("The service refused the order (\(status)): \(body)")
        }
        say("order    \(orderID) (\(created["payment_method"]?.stringValue ?? "-"))")
        let sourceID = Self.sourceID(inRedirect: created["next_url"]?.stringValue ?? "")
        if scenario != .cardDeclined && sourceID == nil {
            throw ValidationError("The order has no authorisation page to drive: \(body)")
        }
        switch (scenario, sourceID) {
        case (.sourceChargeable, let sourceID?): try await control("/sources/\(sourceID)/authorize", ["outcome": "chargeable"])
        case (.sourceFailed, let sourceID?): try await control("/sources/\(sourceID)/authorize", ["outcome": "failed"])
        case (.sourceCanceled, _): try await control("/clock/advance", ["seconds": .int(7 * 3600)])
        case (.chargeFailed, let sourceID?), (.chargeDelayed, let sourceID?):
            let outcome: FormValue = scenario == .chargeFailed ? "failed" : "succeeded"
            try await control("/sources/\(sourceID)/authorize", ["outcome": "chargeable", "charge_outcome": outcome])
            try await waitFor(["charge_pending"], at: "\(serviceURL)/api/orders/\(orderID)", label: "pending ")
            try await control("/clock/advance", ["seconds": .int(7 * 24 * 3600)])
        default: break
        }
        say("page     \(serviceURL)/orders/\(orderID)")
        let expected: Set<String> = [.sourceChargeable, .chargeDelayed].contains(scenario) ? ["paid"] : ["canceled"]
        try await waitFor(expected, at: "\(serviceURL)/api/orders/\(orderID)")
    }

    /// The source id in the authorisation page's URL (`.../sources/{id}/authorize?...`), the page a customer
    /// would be sent to.
    static func sourceID(inRedirect url: String) -> String? {
        guard let path = URL(string: url)?.path else { return nil }
        let parts = path.split(separator: "/")
        guard let index = parts.firstIndex(of: "sources"), index + 1 < parts.count else { return nil }
        return String(parts[index + 1])
    }

    private func waitFor(
        _ expected: Set<String>, at url: String, label: String = "result  ", when condition: (JSONValue) -> Bool = { _ in true }
    ) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            if let (status, body) = try? await fetch(url) {
                last = body
                if status == 200, let value = try? JSONValue.parse(Data(body.utf8)),
                    let state = value["status"]?.stringValue, expected.contains(state), condition(value)
                {
                    say("\(label) \(body)")
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ValidationError("The service did not reach \(expected.sorted().joined(separator: "/")) in \(timeout) s. Last answer: \(last)")
    }

    /// A price for the triggered order's item, made at the emulator: anyone may order by Stripe price (items
    /// priced by the caller need the order key), and the service prices and fulfils the item from it.
    func tulipPrice() async throws -> String {
        let stripe = StripeClient(configuration: StripeClientConfiguration(apiKey: "sk_test_trigger", apiBase: apiBase))
        let product = try await stripe.createProduct(["name": "Triggered tulips", "metadata": ["fulfillment": "physical", "sku": "TULIPS"]])
        return try await stripe.createPrice(["product": .string(product.id), "currency": "eur", "unit_amount": 1500]).id
    }

    func runCheckout() async throws {
        let stripe = StripeClient(configuration: StripeClientConfiguration(apiKey: "sk_test_trigger", apiBase: apiBase))
        let product = try await stripe.createProduct(["name": "Triggered course", "metadata": ["fulfillment": "digital"]])
        let price = try await stripe.createPrice(["product": .string(product.id), "currency": "eur", "unit_amount": 1900])
        let session = try await stripe.createCheckoutSession([
            "mode": "payment", "customer_email": "trigger@example.com",
            "success_url": .string("\(serviceURL)/checkout/complete?session_id={CHECKOUT_SESSION_ID}"),
            "line_items": [["price": .string(price.id), "quantity": 1]],
        ])
        say("session  \(session.id)")
        switch scenario {
        case .checkoutPaid: try await control("/checkout/sessions/\(session.id)/complete", ["outcome": "paid"])
        case .checkoutDeclined: try await control("/checkout/sessions/\(session.id)/complete", ["outcome": "declined"])
        case .checkoutExpired: _ = try await stripe.expireCheckoutSession(session.id)
        case .checkoutAsyncSucceeded, .checkoutAsyncFailed:
            let outcome = scenario == .checkoutAsyncSucceeded ? "delayed_success" : "delayed_failure"
            try await control("/checkout/sessions/\(session.id)/complete", ["outcome": .string(outcome)])
            try await Task.sleep(for: .seconds(1))
            try await control("/clock/advance", ["seconds": .int(7 * 24 * 3600)])
        default:
            throw ValidationError("\(scenario.rawValue) is not a Checkout scenario")
        }
        say("landing  \(serviceURL)/checkout/complete?session_id=\(session.id)")
        let expected: Set<String> = switch scenario {
        case .checkoutPaid, .checkoutAsyncSucceeded: ["fulfilled"]
        case .checkoutAsyncFailed: ["payment_failed"]
        case .checkoutExpired: ["expired"]
        default: ["open"]
        }
        try await waitFor(expected, at: "\(serviceURL)/api/checkout/sessions/\(session.id)")
    }

    private func control(_ path: String, _ form: FormValue) async throws {
        let (status, body) = try await fetch(apiBase + "/_emulator" + path, form: form)
        guard status == 200 else { throw ValidationError("Emulator refused \(path): \(body)") }
    }

    private func fetch(_ url: String, form: FormValue? = nil, json: JSONValue? = nil) async throws -> (Int, String) {
        let transport = AsyncHTTPClientTransport()
        let body = form.map { Array(FormEncoder.encode($0).utf8) } ?? json.map { Array($0.serialized().utf8) }
        let contentType = form != nil ? "application/x-www-form-urlencoded" : "application/json"
        let response = try await transport.send(
            StripeHTTPRequest(
                method: body == nil ? .get : .post, url: url, headers: body == nil ? [] : [("Content-Type", contentType)],
                body: body),
            timeout: .seconds(10))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }
}
