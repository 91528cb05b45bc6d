import StripeAPI

/// The hosted checkout page at a session's `url`: line items (quantities editable where allowed), contact
/// and shipping details, and four ways to pay that cover every outcome.
struct CheckoutPage {
    static let paymentChoices: [(outcome: CheckoutSessionRecord.Outcome, label: String)] = [
        (.paid, "Card 4242 4242 4242 4242 — succeeds"),
        (.declined, "Card 4000 0000 0000 0002 — declined"),
        (.delayedSuccess, "SEPA Direct Debit DE89 3704 0044 0532 0130 00 — settles later, succeeds"),
        (.delayedFailure, "SEPA Direct Debit DE62 3704 0044 0532 0130 01 — settles later, fails"),
    ]

    let session: CheckoutSessionRecord
    let errorMessage: String?

    var html: String {
        guard session.status == .open else {
            return HTML.page(
                title: "Checkout unavailable",
                body: """
                    <h1 id="unavailable">This checkout is no longer available</h1>
                    <p class="muted">The session is \(HTML.escape(session.status.rawValue)).</p>
                    """)
        }
        let rows = session.lineItems.enumerated().map { index, item in
            let quantity =
                item.adjustable.map { bounds in
                    """
                    <input type="number" name="quantity_\(index)" value="\(item.quantity)" min="\(bounds.lowerBound)" \
                    max="\(bounds.upperBound)" aria-label="Quantity of \(HTML.escape(item.description))">
                    """
                } ?? "× \(item.quantity)"
            return """
                <tr class="line-item"><td>\(HTML.escape(item.description))</td><td>\(quantity)</td>\
                <td class="amount">\(HTML.money(item.amountSubtotal, item.currency))</td></tr>
                """
        }.joined(separator: "\n")
        let shipping =
            session.shippingCountries.map { countries in
                let options = countries.map { "<option value=\"\(HTML.escape($0))\">\(HTML.escape($0))</option>" }.joined()
                return """
                    <fieldset><legend>Shipping address</legend>
                    <label>Address <input type="text" name="line1" value="Friedrichstraße 123" required></label>
                    <label>City <input type="text" name="city" value="Berlin" required></label>
                    <label>Postal code <input type="text" name="postal_code" value="10117" required></label>
                    <label>Country <select name="country">\(options)</select></label>
                    </fieldset>
                    """
            } ?? ""
        let choices = Self.paymentChoices.enumerated().map { index, choice in
            """
            <label><input type="radio" name="outcome" value="\(choice.outcome.rawValue)" \(index == 0 ? "checked" : "")> \
            \(HTML.escape(choice.label))</label>
            """
        }.joined(separator: "\n")
        let cancel = session.cancelURL.map { "<p><a id=\"cancel\" href=\"\(HTML.escape($0))\">← Back to the store</a></p>" } ?? ""
        let error = errorMessage.map { "<p class=\"error\" id=\"error\">\(HTML.escape($0))</p>" } ?? ""
        return HTML.page(
            title: "Pay \(HTML.money(session.amountSubtotal, session.currency))",
            body: """
                <h1>Pay <span id="total">\(HTML.money(session.amountSubtotal, session.currency))</span></h1>
                \(error)
                <form method="post" action="/c/pay/\(HTML.escape(session.id))">
                <table id="line-items">\(rows)</table>
                <label>Email <input type="email" name="email" value="\(HTML.escape(session.customerEmail ?? "customer@example.com"))" required></label>
                <label>Name <input type="text" name="name" value="Jenny Rosen" required></label>
                \(shipping)
                <fieldset id="payment-method"><legend>Payment method</legend>
                \(choices)
                </fieldset>
                <button type="submit" id="pay">Pay</button>
                </form>
                \(cancel)
                """)
    }
}
