import Foundation

/// The page a PaymentIntent's `next_action.redirect_to_url.url` sends the customer to (3-D Secure, the bank's
/// page for iDEAL or Bancontact): authorise or fail the test payment, then back to the `return_url` with
/// `payment_intent`, `payment_intent_client_secret` and `redirect_status`, as Stripe does.
struct PaymentIntentAuthorizationPage {
    let intent: PaymentIntentRecord
    let method: String

    var html: String {
        guard intent.status == .requiresAction else {
            return HTML.page(
                title: "Payment already handled",
                body: "<h1 id=\"handled\">This payment is \(HTML.escape(intent.status.rawValue.replacingOccurrences(of: "_", with: " ")))</h1>")
        }
        return HTML.page(
            title: "Authorise test payment",
            body: """
                <h1>Authorise test payment</h1>
                <p>\(HTML.escape(method)) payment of <strong id="amount">\(HTML.escape(HTML.money(intent.amount, intent.currency)))</strong>.</p>
                <form method="post" action="/payment_intents/\(HTML.escape(intent.id))/authorize">
                <input type="hidden" name="client_secret" value="\(HTML.escape(intent.clientSecret))">
                <button type="submit" name="action" value="authorize" id="authorize">Authorize Test Payment</button>
                <button type="submit" name="action" value="fail" id="fail" class="secondary">Fail Test Payment</button>
                </form>
                """)
    }
}
