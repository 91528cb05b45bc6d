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
        }
        say("landing  \(serviceURL)/checkout/complete?session_id=\(session.id)")
        let expected: Set<String> = switch scenario {
        case .checkoutPaid, .checkoutAsyncSucceeded: ["fulfilled"]
        case .checkoutAsyncFailed: ["payment_failed"]
        case .checkoutExpired: ["expired"]
        case .checkoutDeclined: ["open"]
        }
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            if let (status, body) = try? await fetch("\(serviceURL)/api/checkout/sessions/\(session.id)") {
                last = body
                if status == 200, let value = try? JSONValue.parse(Data(body.utf8)),
                    let state = value["status"]?.stringValue, expected.contains(state)
                {
                    say("result   \(body)")
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ValidationError("The service did not reach \(expected.sorted().joined(separator: "/")) in \(timeout) s. Last answer: \(last)")
    }

    private func control(_ path: String, _ form: FormValue) async throws {
        let (status, body) = try await fetch(apiBase + "/_emulator" + path, form: form)
        guard status == 200 else { throw ValidationError("Emulator refused \(path): \(body)") }
    }

    private func fetch(_ url: String, form: FormValue? = nil) async throws -> (Int, String) {
        let transport = AsyncHTTPClientTransport()
        let response = try await transport.send(
            StripeHTTPRequest(
                method: form == nil ? .get : .post, url: url,
                headers: form == nil ? [] : [("Content-Type", "application/x-www-form-urlencoded")],
                body: form.map { Array(FormEncoder.encode($0).utf8) }),
            timeout: .seconds(10))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }
}
